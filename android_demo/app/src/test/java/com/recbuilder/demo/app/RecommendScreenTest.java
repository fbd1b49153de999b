package com.recbuilder.demo.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import android.widget.EditText;
import android.widget.ListAdapter;
import android.widget.ListView;
import android.widget.TextView;
import com.recbuilder.sdk.testing.TestModels;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.robolectric.Robolectric;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;

/**
 * The Recommend screen on Robolectric with the fake engine (top-K = the K items after the most
 * recent pick, history not masked): vocabulary N=31 incl. padding ("Movie 1".."Movie 30"),
 * L=5, K=10, popular = Movie 30, 29, ...
 */
@RunWith(RobolectricTestRunner.class)
@Config(application = FakeDemoApp.class)
public class RecommendScreenTest {
  private static final int L = 5;
  private static final int N = 31;
  private static final int K = 10;
  private static final String TOP = "Top ";
  private static final String POPULAR = "Popular now";

  @Rule public TemporaryFolder tmp = new TemporaryFolder();
  private FakeDemoApp app;

  @Before
  public void setUp() throws Exception {
    app = (FakeDemoApp) RuntimeEnvironment.getApplication();
    app.modelDir = tmp.newFolder("assets");
  }

  private MainActivity open() {
    MainActivity activity = Robolectric.buildActivity(MainActivity.class).setup().get();
    Screens.settle();
    return activity;
  }

  @Test
  public void coldStartWithNoPicksShowsThePopularListWithoutScores() throws Exception {
    TestModels.write(app.modelDir, "final_int8", L, N, K);
    MainActivity screen = open();
    Screens.find(screen, TextView.class, "Model final_int8");
    Screens.find(screen, TextView.class, "history 5 · top 10 · 30 movies");
    Screens.find(screen, TextView.class, "No picks yet");
    assertEquals(
        Arrays.asList("Movie 30", "Movie 29", "Movie 28", "Movie 27", "Movie 26", "Movie 25",
            "Movie 24", "Movie 23", "Movie 22", "Movie 21"),
        shownTitles(screen, POPULAR));
    assertFalse(
        "cold-start items have no score",
        Screens.textAfter(screen, POPULAR).matches("(?s).*\\d\\.\\d{3}\n.*"));
    assertTrue("no model call for an empty history", app.engines.created().get(0).calls().isEmpty());
  }

  @Test
  public void searchShowsMatchingTitlesOnly() throws Exception {
    TestModels.write(app.modelDir, "final_int8", L, N, K);
    MainActivity screen = open();
    assertEquals(30, searchResults(screen).size());
    search(screen, "movie 2");
    assertEquals(
        Arrays.asList("Movie 2", "Movie 20", "Movie 21", "Movie 22", "Movie 23", "Movie 24",
            "Movie 25", "Movie 26", "Movie 27", "Movie 28", "Movie 29"),
        searchResults(screen));
    search(screen, "no such movie");
    assertEquals(0, searchResults(screen).size());
  }

  @Test
  public void eachPickUpdatesTheTopTenAndPickedItemsAreNeverShown() throws Exception {
    TestModels.write(app.modelDir, "final_int8", L, N, K);
    MainActivity screen = open();

    pick(screen, "Movie 5");
    Screens.find(screen, TextView.class, "Your picks (most recent last): Movie 5");
    Screens.find(screen, TextView.class, "Top 10 for you");
    assertEquals(titles(6, 7, 8, 9, 10, 11, 12, 13, 14, 15), shownTitles(screen, TOP));
    assertTrue(Screens.textAfter(screen, TOP).startsWith("1. Movie 6   0.900\n2. Movie 7   0.800"));

    // The fake now answers 5..14 after Movie 4: Movie 5 is a pick and must be dropped.
    pick(screen, "Movie 4");
    Screens.find(screen, TextView.class, "Your picks (most recent last): Movie 5 · Movie 4");
    Screens.find(screen, TextView.class, "Top 9 for you");
    assertEquals(titles(6, 7, 8, 9, 10, 11, 12, 13, 14), shownTitles(screen, TOP));
    assertEquals(Arrays.asList(0, 0, 0, 5, 4), boxed(last(app.engines.created().get(0).calls())));

    // Picked movies also leave the search list.
    search(screen, "Movie");
    assertFalse(searchResults(screen).contains("Movie 5"));
    assertFalse(searchResults(screen).contains("Movie 4"));
    assertEquals(28, searchResults(screen).size());
  }

  @Test
  public void clearingThePicksGoesBackToColdStart() throws Exception {
    TestModels.write(app.modelDir, "final_int8", L, N, K);
    MainActivity screen = open();
    pick(screen, "Movie 5");
    Screens.find(screen, android.widget.Button.class, "Clear picks").performClick();
    Screens.settle();
    Screens.find(screen, TextView.class, "No picks yet");
    assertEquals(titles(30, 29, 28, 27, 26, 25, 24, 23, 22, 21), shownTitles(screen, POPULAR));
  }

  @Test
  public void aSidecarThatDoesNotMatchItsModelIsAMessageNotACrash() throws Exception {
    TestModels.write(app.modelDir, "final_int8", "model.json", L + 1, N, K);
    app.engines.withModel("model.tflite", L, N, K);
    MainActivity screen = open();
    Screens.find(screen, TextView.class, "Model not available");
    Screens.find(
        screen,
        TextView.class,
        "model.json key 'input.length' is 6 but model.tflite's input 'history' has shape [1, 5]");
    assertEquals(0, searchResults(screen).size());
    assertTrue(app.engines.created().get(0).isClosed());
  }

  @Test
  public void noModelInTheAssetsSaysHowToExportOne() throws Exception {
    MainActivity screen = open();
    Screens.find(screen, TextView.class, "Model not available");
    Screens.find(screen, TextView.class, app.noModelMessage());
  }

  @Test
  public void aSidecarWhoseModelFileIsMissingNamesIt() throws Exception {
    TestModels.write(app.modelDir, "final_int8", L, N, K);
    assertTrue(new File(app.modelDir, "final_int8.tflite").delete());
    MainActivity screen = open();
    Screens.find(
        screen,
        TextView.class,
        "Missing model file 'final_int8.tflite' in " + app.modelDir.getPath()
            + " (named by final_int8.json key 'model_file')");
  }

  private static void search(MainActivity screen, String query) {
    Screens.all(screen, EditText.class).get(0).setText(query);
    Screens.settle();
  }

  private static List<String> searchResults(MainActivity screen) {
    ListAdapter adapter = Screens.all(screen, ListView.class).get(0).getAdapter();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < adapter.getCount(); i++) {
      out.add(String.valueOf(adapter.getItem(i)));
    }
    return out;
  }

  /** Types the title into the search box and taps the one match, as a user would. */
  private static void pick(MainActivity screen, String title) {
    search(screen, title);
    List<String> results = searchResults(screen);
    int position = results.indexOf(title);
    assertTrue(title + " not in the search results " + results, position >= 0);
    ListView list = Screens.all(screen, ListView.class).get(0);
    list.performItemClick(null, position, position);
    Screens.settle();
  }

  /** Titles of the numbered list under the header that starts with {@code header}. */
  private static List<String> shownTitles(MainActivity screen, String header) {
    List<String> out = new ArrayList<>();
    for (String line : Screens.textAfter(screen, header).split("\n")) {
      if (!line.isEmpty()) {
        out.add(line.replaceFirst("^\\d+\\. ", "").replaceFirst(" {3}-?[0-9.]+$", ""));
      }
    }
    return out;
  }

  private static List<String> titles(int... indices) {
    List<String> out = new ArrayList<>();
    for (int i : indices) {
      out.add(TestModels.title(i));
    }
    return out;
  }

  private static int[] last(List<int[]> calls) {
    return calls.get(calls.size() - 1);
  }

  private static List<Integer> boxed(int[] row) {
    List<Integer> out = new ArrayList<>();
    for (int v : row) {
      out.add(v);
    }
    return out;
  }
}

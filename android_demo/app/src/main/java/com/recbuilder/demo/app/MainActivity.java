package com.recbuilder.demo.app;

import android.app.Activity;
import android.content.Intent;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.text.Editable;
import android.text.TextWatcher;
import android.util.Log;
import android.view.View;
import android.widget.AdapterView;
import android.widget.ArrayAdapter;
import android.widget.Button;
import android.widget.EditText;
import android.widget.LinearLayout;
import android.widget.ListView;
import android.widget.ScrollView;
import android.widget.TextView;
import com.recbuilder.demo.core.Item;
import com.recbuilder.demo.core.ModelException;
import com.recbuilder.demo.core.ModelSpec;
import com.recbuilder.demo.core.Recommendation;
import com.recbuilder.demo.core.Recommendations;
import com.recbuilder.sdk.Recommender;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;

/**
 * The Recommend screen: search the catalog, pick movies, and see the top-K recommendations (with
 * titles and scores) update after each pick. Model work runs on one worker thread, through the
 * sdk's {@link Recommender}.
 */
public final class MainActivity extends Activity {
  private static final String TAG = "RecDemo";
  private static final int SEARCH_LIMIT = 200;

  private ExecutorService worker;
  private final Handler main = new Handler(Looper.getMainLooper());
  private final List<Integer> picks = new ArrayList<>(); // oldest first; main thread only
  private final List<Item> matches = new ArrayList<>();

  private TextView header;
  private TextView error;
  private EditText search;
  private ArrayAdapter<String> matchAdapter;
  private TextView picksView;
  private TextView recsHeader;
  private TextView recsView;

  private ModelSpec spec; // set on the main thread once loaded
  private Recommender recommender; // used on the worker thread only

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    setContentView(buildViews());
    worker = ((DemoApp) getApplication()).newWorker();
    worker.execute(this::loadModel);
  }

  private View buildViews() {
    LinearLayout root = Ui.column(this);
    header = Ui.text(this, 14, false);
    header.setText("Loading model…");
    error = Ui.errorBox(this);
    search = new EditText(this);
    search.setHint("Search movies by title");
    search.setSingleLine(true);
    search.addTextChangedListener(
        new TextWatcher() {
          @Override
          public void beforeTextChanged(CharSequence s, int start, int count, int after) {}

          @Override
          public void onTextChanged(CharSequence s, int start, int before, int count) {}

          @Override
          public void afterTextChanged(Editable s) {
            refreshMatches();
          }
        });
    ListView list = new ListView(this);
    matchAdapter = new ArrayAdapter<>(this, android.R.layout.simple_list_item_1, new ArrayList<String>());
    list.setAdapter(matchAdapter);
    list.setOnItemClickListener(
        new AdapterView.OnItemClickListener() {
          @Override
          public void onItemClick(AdapterView<?> parent, View view, int position, long id) {
            onPick(matches.get(position));
          }
        });
    picksView = Ui.text(this, 14, false);
    LinearLayout buttons = new LinearLayout(this);
    Button clear = new Button(this);
    clear.setText("Clear picks");
    clear.setOnClickListener(v -> clearPicks());
    Button bench = new Button(this);
    bench.setText("Benchmark");
    bench.setOnClickListener(v -> startActivity(new Intent(this, BenchmarkActivity.class)));
    buttons.addView(clear);
    buttons.addView(bench);
    recsHeader = Ui.text(this, 16, true);
    recsView = Ui.text(this, 15, false);
    ScrollView recsScroll = new ScrollView(this);
    recsScroll.addView(recsView);

    root.addView(header);
    root.addView(error);
    root.addView(search);
    root.addView(list, Ui.weighted(1));
    root.addView(picksView);
    root.addView(buttons);
    root.addView(recsHeader);
    root.addView(recsScroll, Ui.weighted(1));
    return root;
  }

  /** Worker thread: find the preferred bundled model, load it, show cold-start picks. */
  private void loadModel() {
    try {
      DemoApp app = (DemoApp) getApplication();
      recommender = Recommender.openPreferred(app.modelFiles(), app.engines());
      ModelSpec loaded = recommender.spec();
      Recommendations cold = recommender.recommendations(new ArrayList<Integer>());
      String info =
          String.format(
              Locale.ROOT,
              "Model %s · %.1f KB · history %d · top %d · %d movies",
              loaded.stage(),
              recommender.modelBytes() / 1024.0,
              loaded.historyLength(),
              loaded.k(),
              loaded.numItems() - 1);
      main.post(
          () -> {
            spec = loaded;
            header.setText(info);
            refreshMatches();
            refreshPicks();
            showRecommendations(cold);
          });
    } catch (ModelException e) {
      fail(e.getMessage(), e);
    } catch (RuntimeException e) {
      fail("Unexpected error while loading the model: " + e, e);
    }
  }

  private void onPick(Item item) {
    if (spec == null || picks.contains(item.index())) {
      return;
    }
    picks.add(item.index());
    refreshPicks();
    refreshMatches();
    requestRecommendations();
  }

  private void clearPicks() {
    picks.clear();
    refreshPicks();
    refreshMatches();
    requestRecommendations();
  }

  private void requestRecommendations() {
    if (spec == null) {
      return;
    }
    final List<Integer> snapshot = new ArrayList<>(picks);
    worker.execute(
        () -> {
          try {
            Recommendations r = recommender.recommendations(snapshot);
            main.post(() -> showRecommendations(r));
          } catch (ModelException e) {
            fail(e.getMessage(), e);
          } catch (RuntimeException e) {
            fail("Unexpected error while recommending: " + e, e);
          }
        });
  }

  private void refreshMatches() {
    matches.clear();
    matchAdapter.clear();
    if (spec == null) {
      return;
    }
    for (Item item : spec.catalog().search(search.getText().toString(), SEARCH_LIMIT + picks.size())) {
      if (!picks.contains(item.index()) && matches.size() < SEARCH_LIMIT) {
        matches.add(item);
        matchAdapter.add(item.title());
      }
    }
    matchAdapter.notifyDataSetChanged();
  }

  private void refreshPicks() {
    if (picks.isEmpty()) {
      picksView.setText("No picks yet: tap movies you like.");
      return;
    }
    StringBuilder sb = new StringBuilder("Your picks (most recent last): ");
    for (int i = 0; i < picks.size(); i++) {
      sb.append(i == 0 ? "" : " · ").append(spec.catalog().get(picks.get(i)).title());
    }
    picksView.setText(sb.toString());
  }

  private void showRecommendations(Recommendations r) {
    recsHeader.setText(
        r.isColdStart()
            ? "Popular now (pick a movie to personalise)"
            : "Top " + r.items().size() + " for you");
    StringBuilder sb = new StringBuilder();
    int rank = 1;
    for (Recommendation rec : r.items()) {
      sb.append(rank++).append(". ").append(rec.item().title());
      if (rec.hasScore()) {
        sb.append(String.format(Locale.ROOT, "   %.3f", rec.score()));
      }
      sb.append('\n');
    }
    recsView.setText(sb.toString());
  }

  private void fail(String message, Throwable cause) {
    Log.e(TAG, message, cause);
    main.post(
        () -> {
          header.setText("Model not available");
          Ui.showError(error, message);
        });
  }

  @Override
  protected void onDestroy() {
    worker.execute(
        () -> {
          if (recommender != null) {
            recommender.close();
          }
        });
    worker.shutdown();
    super.onDestroy();
  }
}

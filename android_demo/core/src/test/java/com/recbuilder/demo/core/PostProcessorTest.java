package com.recbuilder.demo.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.Before;
import org.junit.Test;

public class PostProcessorTest {
  private Catalog catalog; // items 1..9

  @Before
  public void setUp() throws Exception {
    catalog = Sidecars.spec(5, 10, 3).catalog();
  }

  @Test
  public void dropsPaddingUnknownPickedAndRepeatedIdsKeepingRankOrder() {
    TopK topK =
        new TopK(
            new int[] {0, 5, 3, 5, 42, 7, -1, 2},
            new float[] {9f, 8f, 7f, 6f, 5f, 4f, 3f, 2f});
    List<Recommendation> out = PostProcessor.filter(topK, Arrays.asList(3), catalog, 10);
    assertEquals(Arrays.asList(5, 7, 2), indices(out));
    assertEquals(8f, out.get(0).score(), 0f);
    assertEquals(4f, out.get(1).score(), 0f);
    assertEquals(2f, out.get(2).score(), 0f);
    assertEquals("Movie 5 (1995)", out.get(0).item().title());
    assertTrue(out.get(0).hasScore());
  }

  @Test
  public void stopsAtTheLimit() {
    TopK topK = new TopK(new int[] {1, 2, 3, 4}, new float[] {4f, 3f, 2f, 1f});
    assertEquals(
        Arrays.asList(1, 2),
        indices(PostProcessor.filter(topK, Collections.<Integer>emptyList(), catalog, 2)));
  }

  @Test
  public void coldStartFollowsPopularityMinusPicks() {
    List<Recommendation> out =
        PostProcessor.popular(Arrays.asList(4, 1, 2, 8), Arrays.asList(1), catalog, 2);
    assertEquals(Arrays.asList(4, 2), indices(out));
    assertFalse(out.get(0).hasScore());
    assertTrue(Float.isNaN(out.get(1).score()));
  }

  static List<Integer> indices(List<Recommendation> recs) {
    List<Integer> out = new ArrayList<>();
    for (Recommendation r : recs) {
      out.add(r.item().index());
    }
    return out;
  }
}

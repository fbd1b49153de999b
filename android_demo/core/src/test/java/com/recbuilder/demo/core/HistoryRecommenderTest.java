package com.recbuilder.demo.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import org.junit.Before;
import org.junit.Test;

public class HistoryRecommenderTest {
  private ModelSpec spec; // L = 3, N = 10, K = 3, popular = 9, 8, 7, ...
  private FakeEngine engine;
  private HistoryRecommender recommender;

  @Before
  public void setUp() throws Exception {
    spec = Sidecars.spec(3, 10, 3);
    engine = new FakeEngine(new TopK(new int[] {6, 1, 0, 5, 2}, new float[] {5f, 4f, 3f, 2f, 1f}));
    engine.load(spec);
    recommender = new HistoryRecommender(spec, engine);
  }

  @Test
  public void emptyHistoryIsColdStartWithoutCallingTheModel() throws Exception {
    Recommendations r = recommender.recommend(Collections.<Integer>emptyList());
    assertTrue(r.isColdStart());
    assertEquals(Arrays.asList(9, 8, 7), r.indices());
    assertTrue(engine.calls.isEmpty());
  }

  @Test
  public void onlyUnknownPicksIsAlsoColdStart() throws Exception {
    Recommendations r = recommender.recommend(Arrays.asList(0, 42));
    assertTrue(r.isColdStart());
    assertEquals(Arrays.asList(9, 8, 7), r.indices());
    assertTrue(engine.calls.isEmpty());
  }

  @Test
  public void picksAreEncodedAndTheAnswerFiltered() throws Exception {
    Recommendations r = recommender.recommend(Arrays.asList(1, 42, 2));
    assertFalse(r.isColdStart());
    assertEquals(1, engine.calls.size());
    assertArrayEquals(new int[] {0, 1, 2}, engine.calls.get(0));
    // 6 kept, 1 picked, 0 padding, 5 kept, 2 picked.
    assertEquals(Arrays.asList(6, 5), r.indices());
    assertEquals(5f, r.items().get(0).score(), 0f);
  }

  @Test
  public void picksOlderThanTheWindowAreStillExcluded() throws Exception {
    Recommendations r = recommender.recommend(Arrays.asList(6, 3, 4, 8));
    assertArrayEquals(new int[] {3, 4, 8}, engine.calls.get(0));
    // 6 fell out of the model's window but the user picked it: not recommended again.
    assertEquals(Arrays.asList(1, 5, 2), r.indices());
  }
}

package com.recbuilder.demo.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import java.util.Collections;
import org.junit.Before;
import org.junit.Test;

/** L = 5, N = 10 (items 1..9), pad 0; every expectation below is worked out by hand. */
public class HistoryEncoderTest {
  private HistoryEncoder encoder;

  @Before
  public void setUp() throws Exception {
    encoder = HistoryEncoder.forSpec(Sidecars.spec(5, 10, 3));
  }

  @Test
  public void emptyHistoryIsAllPadding() {
    assertArrayEquals(new int[] {0, 0, 0, 0, 0}, encoder.encode(Collections.<Integer>emptyList()));
  }

  @Test
  public void shortHistoryIsLeftPaddedMostRecentLast() {
    assertArrayEquals(new int[] {0, 0, 0, 0, 3}, encoder.encode(Arrays.asList(3)));
    assertArrayEquals(new int[] {0, 0, 7, 1, 4}, encoder.encode(Arrays.asList(7, 1, 4)));
  }

  @Test
  public void exactLengthIsUnchanged() {
    assertArrayEquals(new int[] {9, 8, 7, 6, 5}, encoder.encode(Arrays.asList(9, 8, 7, 6, 5)));
  }

  @Test
  public void longHistoryKeepsTheMostRecent() {
    assertArrayEquals(
        new int[] {3, 4, 5, 6, 7}, encoder.encode(Arrays.asList(1, 2, 3, 4, 5, 6, 7)));
  }

  @Test
  public void unknownIdsAreDroppedBeforeTruncation() {
    // 0 is padding, 10 and -1 are outside 1..9, null is not an index.
    assertArrayEquals(
        new int[] {0, 0, 0, 2, 4}, encoder.encode(Arrays.asList(0, 10, 2, -1, null, 4)));
    assertArrayEquals(
        new int[] {1, 2, 3, 4, 5}, encoder.encode(Arrays.asList(1, 2, 3, 4, 99, 5, 10)));
    assertEquals(Arrays.asList(2, 4), encoder.knownPicks(Arrays.asList(0, 10, 2, -1, 4)));
  }

  @Test
  public void duplicatesAreKeptAsTheyHappened() {
    assertArrayEquals(new int[] {0, 0, 2, 2, 2}, encoder.encode(Arrays.asList(2, 2, 2)));
  }

  @Test
  public void usesTheSidecarPadId() throws Exception {
    java.util.Map<String, Object> m = Sidecars.valid(4, 10, 3);
    Sidecars.child(m, "input").put("pad_id", -1);
    HistoryEncoder e = HistoryEncoder.forSpec(Sidecars.spec(m));
    assertArrayEquals(new int[] {-1, -1, 8, 9}, e.encode(Arrays.asList(8, 9)));
  }
}

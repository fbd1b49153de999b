package com.recbuilder.demo.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;

public class CatalogAndSamplerTest {

  @Test
  public void searchIsCaseInsensitiveSubstringInIndexOrder() throws Exception {
    List<Item> items =
        Arrays.asList(
            new Item(1, "242", "Kolya (1996)", Arrays.asList("Comedy")),
            new Item(2, "302", "L.A. Confidential (1997)", Arrays.asList("Crime")),
            new Item(3, "377", "Heavyweights (1994)", Arrays.asList("Children's")),
            new Item(4, "51", "Legends of the Fall (1994)", Arrays.asList("Drama")));
    Catalog c = new Catalog(items);
    assertEquals(5, c.numItems());
    assertEquals(Arrays.asList(3, 4), indices(c.search(" 1994", 10)));
    assertEquals(Arrays.asList(2), indices(c.search("CONFIDENTIAL", 10)));
    assertEquals(Arrays.asList(1, 2), indices(c.search("", 2)));
    assertTrue(c.search("zzz", 10).isEmpty());
    assertFalse(c.contains(0));
    assertFalse(c.contains(5));
  }

  @Test(expected = IllegalArgumentException.class)
  public void catalogRequiresIndexOrder() {
    new Catalog(
        Arrays.asList(
            new Item(2, "a", "A", new ArrayList<String>()),
            new Item(1, "b", "B", new ArrayList<String>())));
  }

  @Test
  public void samplerIsDeterministicAndValid() throws Exception {
    ModelSpec spec = Sidecars.spec(6, 10, 3);
    List<int[]> a = HistorySampler.sample(spec, 50, 7);
    List<int[]> b = HistorySampler.sample(spec, 50, 7);
    assertEquals(50, a.size());
    boolean sawEmpty = false;
    boolean sawFull = false;
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i), b.get(i));
      int[] h = a.get(i);
      assertEquals(6, h.length);
      int real = 0;
      for (int j = 0; j < h.length; j++) {
        assertTrue(h[j] >= 0 && h[j] <= 9);
        if (h[j] != 0) {
          real++;
        } else {
          assertEquals("padding only on the left", 0, real);
        }
      }
      sawEmpty |= real == 0;
      sawFull |= real == 6;
    }
    assertTrue(sawEmpty && sawFull);
  }

  private static List<Integer> indices(List<Item> items) {
    List<Integer> out = new ArrayList<>();
    for (Item i : items) {
      out.add(i.index());
    }
    return out;
  }
}

package com.recbuilder.demo.app;

import static org.robolectric.Shadows.shadowOf;

import android.app.Activity;
import android.os.Looper;
import android.view.View;
import android.view.ViewGroup;
import android.widget.TextView;
import java.util.ArrayList;
import java.util.List;

/** Reads a code-built screen the way a user sees it: by the texts of its visible views. */
final class Screens {
  private Screens() {}

  /** Runs what the worker posted to the main thread. */
  static void settle() {
    shadowOf(Looper.getMainLooper()).idle();
  }

  static <T extends View> List<T> all(Activity activity, Class<T> type) {
    List<T> out = new ArrayList<>();
    collect(activity.getWindow().getDecorView(), type, out);
    return out;
  }

  private static <T extends View> void collect(View view, Class<T> type, List<T> out) {
    if (type.isInstance(view)) {
      out.add(type.cast(view));
    }
    if (view instanceof ViewGroup) {
      ViewGroup group = (ViewGroup) view;
      for (int i = 0; i < group.getChildCount(); i++) {
        collect(group.getChildAt(i), type, out);
      }
    }
  }

  /** The only visible TextView (or Button, ...) whose text contains {@code needle}. */
  static <T extends TextView> T find(Activity activity, Class<T> type, String needle) {
    List<T> hits = new ArrayList<>();
    for (T view : all(activity, type)) {
      if (isShown(view) && view.getText().toString().contains(needle)) {
        hits.add(view);
      }
    }
    if (hits.size() != 1) {
      throw new AssertionError(
          hits.size() + " visible views contain \"" + needle + "\"; the screen shows:\n"
              + visibleText(activity));
    }
    return hits.get(0);
  }

  /** The text right after the view whose text is {@code label} (e.g. a list under its header). */
  static String textAfter(Activity activity, String header) {
    List<TextView> views = all(activity, TextView.class);
    for (int i = 0; i + 1 < views.size(); i++) {
      if (views.get(i).getText().toString().startsWith(header)) {
        return views.get(i + 1).getText().toString();
      }
    }
    throw new AssertionError("no view starting with \"" + header + "\"; screen:\n" + visibleText(activity));
  }

  static String visibleText(Activity activity) {
    StringBuilder sb = new StringBuilder();
    for (TextView view : all(activity, TextView.class)) {
      if (isShown(view) && view.getText().length() > 0) {
        sb.append("  [").append(view.getClass().getSimpleName()).append("] ")
            .append(view.getText()).append('\n');
      }
    }
    return sb.toString();
  }

  private static boolean isShown(View view) {
    for (View v = view; v != null; v = v.getParent() instanceof View ? (View) v.getParent() : null) {
      if (v.getVisibility() != View.VISIBLE) {
        return false;
      }
    }
    return true;
  }
}

package com.recbuilder.demo.app;

import android.content.Context;
import android.graphics.Color;
import android.graphics.Typeface;
import android.util.TypedValue;
import android.view.View;
import android.widget.LinearLayout;
import android.widget.TextView;

/**
 * Small helpers for the code-built UI. The screens are built in Java rather than XML layouts so
 * the app's sources reference no generated R class and type-check against android.jar alone.
 */
final class Ui {
  private Ui() {}

  static int dp(Context context, int value) {
    return Math.round(
        TypedValue.applyDimension(
            TypedValue.COMPLEX_UNIT_DIP, value, context.getResources().getDisplayMetrics()));
  }

  static LinearLayout column(Context context) {
    LinearLayout layout = new LinearLayout(context);
    layout.setOrientation(LinearLayout.VERTICAL);
    int pad = dp(context, 16);
    layout.setPadding(pad, pad, pad, pad);
    return layout;
  }

  static TextView text(Context context, float sp, boolean bold) {
    TextView view = new TextView(context);
    view.setTextSize(TypedValue.COMPLEX_UNIT_SP, sp);
    if (bold) {
      view.setTypeface(Typeface.DEFAULT_BOLD);
    }
    return view;
  }

  /** A red message box, hidden until {@link #showError} is called. */
  static TextView errorBox(Context context) {
    TextView view = text(context, 15, false);
    view.setTextColor(Color.rgb(0xB0, 0x00, 0x20));
    view.setVisibility(View.GONE);
    return view;
  }

  static void showError(TextView box, String message) {
    box.setText(message);
    box.setVisibility(View.VISIBLE);
  }

  static LinearLayout.LayoutParams weighted(float weight) {
    return new LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, weight);
  }
}

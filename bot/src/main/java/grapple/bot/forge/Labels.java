package grapple.bot.forge;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.room.Messages;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Forge labels as hookshot shows GitHub's (the same form in every forge): names joined by ", " in
 * the text, and in HTML a span per label with the label's colour as background and black or white
 * text, whichever reads better (WCAG contrast with black above 4.5: black).
 */
public final class Labels {
  private Labels() {}

  /**
   * {@code labels}: the forge's array of {@code {name, color}}; entries without a name are skipped.
   */
  public static String plain(JsonNode labels) {
    return String.join(", ", names(labels));
  }

  public static String html(JsonNode labels) {
    List<String> spans = new ArrayList<>();
    for (JsonNode label : labels) {
      if (!label.path("name").isTextual()) continue;
      String color = color(label.path("color").asText(""));
      String attrs =
          color.isEmpty()
              ? ""
              : " data-mx-bg-color=\"#" + color + "\" data-mx-color=\"" + textColor(color) + "\"";
      spans.add(
          "<span" + attrs + ">" + Messages.escapeHtml(label.get("name").asText()) + "</span>");
    }
    return String.join(" ", spans);
  }

  public static List<String> names(JsonNode labels) {
    List<String> out = new ArrayList<>();
    for (JsonNode label : labels) {
      if (label.path("name").isTextual()) out.add(label.get("name").asText());
    }
    return out;
  }

  /**
   * The colour as six lower-case hex digits ({@code abc} and {@code #abc} accepted), or "" if it is
   * none.
   */
  static String color(String given) {
    String hex = given.startsWith("#") ? given.substring(1) : given;
    if (!hex.matches("[0-9a-fA-F]{3}|[0-9a-fA-F]{6}")) return "";
    if (hex.length() == 3) {
      hex =
          ""
              + hex.charAt(0)
              + hex.charAt(0)
              + hex.charAt(1)
              + hex.charAt(1)
              + hex.charAt(2)
              + hex.charAt(2);
    }
    return hex.toLowerCase(Locale.ROOT);
  }

  /** {@code #000000} on a light background, {@code #FFFFFF} on a dark one. */
  static String textColor(String hex) {
    double luminance =
        0.2126 * channel(hex, 0) + 0.7152 * channel(hex, 2) + 0.0722 * channel(hex, 4);
    double contrastWithBlack = (luminance + 0.05) / 0.05;
    return contrastWithBlack > 4.5 ? "#000000" : "#FFFFFF";
  }

  /** One sRGB channel, linearised (WCAG 2 relative luminance). */
  private static double channel(String hex, int at) {
    double c = Integer.parseInt(hex.substring(at, at + 2), 16) / 255.0;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
}

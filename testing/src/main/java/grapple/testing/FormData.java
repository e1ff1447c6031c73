package grapple.testing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Decodes {@code a=1&b=2}, a query or a form body, as the fakes receive it. */
public final class FormData {
  private FormData() {}

  /** The values by name (the first value of each name wins); empty for null or "". */
  public static Map<String, String> decode(@Nullable String encoded) {
    Map<String, String> values = new LinkedHashMap<>();
    if (encoded == null || encoded.isEmpty()) return values;
    for (String pair : encoded.split("&")) {
      int equals = pair.indexOf('=');
      String name = unescape(equals < 0 ? pair : pair.substring(0, equals));
      values.putIfAbsent(name, equals < 0 ? "" : unescape(pair.substring(equals + 1)));
    }
    return values;
  }

  private static String unescape(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }
}

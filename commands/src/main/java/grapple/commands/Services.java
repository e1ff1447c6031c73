package grapple.commands;

import java.util.Locale;
import java.util.Map;

/** Service names and their aliases ({@code webhooks} = {@code generic}, {@code feed} = {@code feeds}). */
public final class Services {
  private static final Map<String, String> ALIASES = Map.of(
      "webhook", "generic",
      "webhooks", "generic",
      "feed", "feeds",
      "outbound", "genericoutbound",
      "outbound-hook", "genericoutbound");

  private Services() {}

  /** The canonical lower-case service name. */
  public static String canonical(String service) {
    String lower = service.toLowerCase(Locale.ROOT);
    return ALIASES.getOrDefault(lower, lower);
  }

  /** True when {@code pattern} ({@code *} or a name or alias) names {@code service}. */
  public static boolean matches(String pattern, String service) {
    return pattern.equals("*") || canonical(pattern).equals(canonical(service));
  }
}

package grapple.bot.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@code Retry-After} header as a server sends it: delay-seconds or an HTTP date (RFC 9110
 * §10.2.3; many servers send a date with a 503). One reading for every client Grapple has (the
 * homeserver, feeds, outbound hooks), each with the longest wait it will honour.
 */
public final class RetryAfter {
  private RetryAfter() {}

  /**
   * The wait {@code header} asks for, at most {@code max}; a date already past is no wait; empty
   * when there is no header or it is neither form.
   */
  public static Optional<Duration> parse(@Nullable String header, Duration max) {
    return parse(header, max, Clock.systemUTC());
  }

  /** As {@link #parse(String, Duration)}, a date read against {@code clock}. */
  public static Optional<Duration> parse(@Nullable String header, Duration max, Clock clock) {
    if (header == null || header.isBlank()) return Optional.empty();
    String value = header.strip();
    Duration wait;
    if (value.matches("\\d+")) {
      // More digits than a long holds ask for longer than any bound.
      wait = value.length() > 12 ? max : Duration.ofSeconds(Long.parseLong(value));
    } else {
      try {
        Instant at = DateTimeFormatter.RFC_1123_DATE_TIME.parse(value, Instant::from);
        wait = Duration.between(clock.instant(), at);
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
      if (wait.isNegative()) wait = Duration.ZERO;
    }
    return Optional.of(wait.compareTo(max) > 0 ? max : wait);
  }
}

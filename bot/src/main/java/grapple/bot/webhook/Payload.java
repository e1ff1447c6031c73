package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** What a webhook body said, ready to become a message. */
sealed interface Payload {
  /** A body read whole: the data a message is built from (and may carry). */
  record Whole(JsonNode data) implements Payload {}

  /**
   * A JSON body too large to keep whole: what a message shows of it. {@code string} is the value
   * when the document is one string; {@code text}, {@code username} and {@code html} are the
   * top-level string fields of an object; {@code pretty} is the start of the document written as
   * {@code JSON.stringify(data, null, 2)} would write it.
   */
  record Large(
      Optional<String> string,
      Optional<String> text,
      Optional<String> username,
      Optional<String> html,
      String pretty)
      implements Payload {}
}

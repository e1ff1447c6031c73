package grapple.bot.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** What a webhook body said, ready to become a message. */
sealed interface Payload {
  /** A body read whole: the data a message is built from (and may carry). */
  record Whole(JsonNode data) implements Payload {}

  /**
   * A JSON body too large to keep whole: what a message shows of it. {@code string} is the value
   * when the document is one string; {@code text}, {@code username}, {@code html} and {@code
   * msgtype} are the top-level string fields of an object; {@code mentions} is its top-level {@code
   * mentions} object, with only its string {@code user_ids} and boolean {@code room}; {@code
   * pretty} is the start of the document written as {@code JSON.stringify(data, null, 2)} would
   * write it.
   */
  record Large(
      Optional<String> string,
      Optional<String> text,
      Optional<String> username,
      Optional<String> html,
      Optional<String> msgtype,
      Optional<JsonNode> mentions,
      String pretty)
      implements Payload {}
}

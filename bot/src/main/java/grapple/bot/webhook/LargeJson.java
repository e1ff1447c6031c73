package grapple.bot.webhook;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.io.IOException;
import java.io.Writer;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a JSON body too large to keep as a tree in one pass: checks it is well-formed (within the
 * webhook limits), keeps its top-level {@code text}, {@code username} and {@code html} strings, and
 * writes its start pretty-printed until a message's worth is written. Memory beyond the body itself
 * stays a few hundred kilobytes whatever the document holds.
 */
final class LargeJson {
  private static final Set<String> FIELDS = Set.of("text", "username", "html", "msgtype");

  /** The most user ids kept from {@code mentions} (a message takes 100 valid ones). */
  private static final int MAX_MENTIONED = 1_000;

  private LargeJson() {}

  static Payload.Large read(byte[] body) {
    Fields fields = new Fields();
    BoundedWriter out = new BoundedWriter(WebhookMessage.MAX_PRETTY_CHARS);
    try (JsonParser parser = BodyParser.streamingParser(body)) {
      JsonGenerator pretty = WebhookMessage.prettyGenerator(out);
      walk(parser, pretty, out, fields);
      flushQuietly(pretty);
    } catch (JsonProcessingException e) {
      throw BodyParser.invalidJson(e);
    } catch (IOException e) {
      throw new BadInput("body", "Body is not valid JSON: " + e.getMessage());
    }
    return new Payload.Large(
        Optional.ofNullable(fields.string),
        Optional.ofNullable(fields.text),
        Optional.ofNullable(fields.username),
        Optional.ofNullable(fields.html),
        Optional.ofNullable(fields.msgtype),
        Optional.ofNullable(fields.mentions),
        out.toString());
  }

  /** The top-level strings kept from the document, and its {@code mentions}. */
  private static final class Fields {
    @Nullable String string;
    @Nullable String text;
    @Nullable String username;
    @Nullable String html;
    @Nullable String msgtype;

    /** The top-level {@code mentions} object, made while the walk is inside it. */
    @Nullable ObjectNode mentions;

    /** The walk is in {@code mentions.user_ids} (depth 3). */
    boolean inUserIds;

    /** The last field name read directly inside {@code mentions}. */
    @Nullable String mentionsField;

    void keep(String name, String value) {
      switch (name) {
        case "text" -> text = value;
        case "username" -> username = value;
        case "html" -> html = value;
        case "msgtype" -> msgtype = value;
        default -> throw new IllegalStateException("not a kept field: " + name);
      }
    }
  }

  private static void walk(
      JsonParser parser, JsonGenerator pretty, BoundedWriter out, Fields fields)
      throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) throw new BadInput("body", "Body is not valid JSON: it is empty");
    boolean rootIsObject = token == JsonToken.START_OBJECT;
    int depth = 0;
    String field = null;
    boolean inMentions = false;
    while (token != null) {
      if (!out.full()) copy(parser, pretty);
      if (inMentions) mention(parser, token, depth, fields);
      switch (token) {
        case START_OBJECT, START_ARRAY -> {
          if (depth == 1 && token == JsonToken.START_OBJECT && "mentions".equals(field)) {
            inMentions = true;
            fields.mentions = Json.object();
          }
          depth++;
        }
        case END_OBJECT, END_ARRAY -> {
          depth--;
          if (depth == 1) inMentions = false;
        }
        case FIELD_NAME -> field = depth == 1 && rootIsObject ? parser.currentName() : null;
        case VALUE_STRING -> keep(parser, depth, field, fields);
        default -> {
          /* numbers, booleans, null: only pretty-printed */
        }
      }
      if (depth == 0) break;
      token = parser.nextToken();
    }
    if (parser.nextToken() != null) {
      throw new BadInput(
          "body",
          "Body is not valid JSON: unexpected content after the document (line "
              + parser.currentLocation().getLineNr()
              + ")");
    }
  }

  /**
   * Keeps what a message reads of {@code mentions} (its string {@code user_ids} and boolean {@code
   * room}) from one token inside it, read at {@code depth} before the token moves it.
   */
  private static void mention(JsonParser parser, JsonToken token, int depth, Fields fields)
      throws IOException {
    ObjectNode mentions = java.util.Objects.requireNonNull(fields.mentions);
    if (depth == 2) {
      switch (token) {
        case FIELD_NAME -> fields.mentionsField = parser.currentName();
        case VALUE_TRUE, VALUE_FALSE -> {
          if ("room".equals(fields.mentionsField))
            mentions.put("room", token == JsonToken.VALUE_TRUE);
        }
        case START_ARRAY -> fields.inUserIds = "user_ids".equals(fields.mentionsField);
        default -> {
          /* other fields of mentions: not read */
        }
      }
    } else if (depth == 3 && fields.inUserIds) {
      if (token == JsonToken.END_ARRAY) fields.inUserIds = false;
      ArrayNode ids = mentions.withArray("user_ids");
      if (token == JsonToken.VALUE_STRING && ids.size() < MAX_MENTIONED) ids.add(parser.getText());
    }
  }

  private static void keep(JsonParser parser, int depth, @Nullable String field, Fields fields)
      throws IOException {
    if (depth == 0) {
      fields.string = parser.getText();
    } else if (depth == 1 && field != null && FIELDS.contains(field)) {
      fields.keep(field, parser.getText());
    }
  }

  /** Copies one token to the pretty output; once the output is full it is left as it is. */
  private static void copy(JsonParser parser, JsonGenerator pretty) {
    try {
      pretty.copyCurrentEvent(parser);
    } catch (IOException full) {
      // The output budget is spent (BoundedWriter.Full): the start written so far is what is shown.
    }
  }

  private static void flushQuietly(JsonGenerator pretty) {
    try {
      pretty.flush();
    } catch (IOException full) {
      // As in copy: a full output ends the pretty form; the document was still checked to its end.
    }
  }

  /** A writer that keeps at most {@code maxChars} characters, then refuses more. */
  static final class BoundedWriter extends Writer {
    private final StringBuilder out = new StringBuilder();
    private final int maxChars;
    private boolean full;

    BoundedWriter(int maxChars) {
      this.maxChars = maxChars;
    }

    boolean full() {
      return full;
    }

    @Override
    public void write(char[] chars, int offset, int length) throws IOException {
      if (full) throw new IOException("output full");
      int room = maxChars - out.length();
      out.append(chars, offset, Math.min(room, length));
      if (length > room) {
        full = true;
        throw new IOException("output full");
      }
    }

    @Override
    public void flush() {
      // Nothing is buffered here.
    }

    @Override
    public void close() {
      // Nothing to release.
    }

    @Override
    public String toString() {
      return out.toString();
    }
  }
}

package grapple.bot.webhook;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.state.BadInput;
import grapple.state.Json;
import grapple.state.MessageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns a webhook body into data by its content type (CONTRACT §6): JSON, form, text or XML. Work
 * and memory stay bounded by the body's size (at most {@code generic.payloadSizeLimit}): JSON nests
 * at most {@value Json#MAX_DEPTH} levels. For a message built without a script, a JSON body over
 * {@value #WHOLE_JSON_BYTES} bytes is read as a stream instead of a tree (its message could not
 * carry it whole anyway) and a text body is decoded only as far as a message can show; a script
 * gets the whole body ({@link #parseWhole}), as hookshot gives it.
 */
final class BodyParser {
  /** JSON bodies up to this size are kept whole (and may be attached to the message). */
  static final int WHOLE_JSON_BYTES = 64 * 1024;

  /** Text bodies are decoded this far: more than one event can hold. */
  static final int TEXT_CHARS = 64 * 1024;

  private BodyParser() {}

  /** The content type is not one webhooks take. */
  static final class Unsupported extends MessageException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message);
    }
  }

  /**
   * Parses {@code body} for a message: a large JSON body as a stream, a text body cut to {@value
   * #TEXT_CHARS} characters. Throws BadInput (unparseable, 400) or Unsupported (415).
   */
  static Payload parse(Optional<String> contentType, byte[] body) {
    return parse(contentType, body, false);
  }

  /**
   * Parses all of {@code body}, for a script: JSON as a tree whatever its size (within the JSON
   * limits), text decoded whole. Throws as {@link #parse} does.
   */
  static Payload.Whole parseWhole(Optional<String> contentType, byte[] body) {
    return (Payload.Whole) parse(contentType, body, true);
  }

  private static Payload parse(Optional<String> contentType, byte[] body, boolean whole) {
    if (body.length == 0) return new Payload.Whole(Json.object());
    String full = contentType.orElse("").toLowerCase(Locale.ROOT);
    String mime = full.split(";", 2)[0].strip();
    Optional<Charset> declared = declaredCharset(full);
    Charset charset = declared.orElse(StandardCharsets.UTF_8);
    if (mime.equals("application/json") || mime.endsWith("+json")) {
      // Jackson reads UTF-8, -16 and -32 by itself; a body in another charset (ISO-8859-1, say)
      // is read in it, not refused as malformed UTF-8.
      if (declared.isPresent() && !declared.get().name().startsWith("UTF-"))
        body = new String(body, charset).getBytes(StandardCharsets.UTF_8);
      return whole || body.length <= WHOLE_JSON_BYTES
          ? new Payload.Whole(json(body))
          : LargeJson.read(body);
    }
    if (mime.equals("application/x-www-form-urlencoded"))
      return new Payload.Whole(form(new String(body, charset), charset));
    if (mime.endsWith("/xml") || mime.endsWith("+xml"))
      return new Payload.Whole(XmlToJson.parse(body, declared));
    if (mime.startsWith("text/"))
      return new Payload.Whole(
          TextNode.valueOf(text(body, charset, whole ? Integer.MAX_VALUE : TEXT_CHARS)));
    throw new Unsupported(
        (mime.isEmpty() ? "Missing Content-Type" : "Unsupported Content-Type '" + mime + "'")
            + ": send application/json, application/x-www-form-urlencoded, text/* or XML; a file"
            + " as image/* or as the 'file' part of multipart/form-data");
  }

  static JsonNode json(byte[] body) {
    try {
      JsonNode node = Json.UNTRUSTED.readTree(body);
      // Jackson reads a body of only white space as a missing node, not as null.
      if (node == null || node.isMissingNode())
        throw new BadInput("body", "Body is not valid JSON: it is empty");
      return node;
    } catch (JsonProcessingException e) {
      throw invalidJson(e);
    } catch (IOException e) {
      throw new BadInput("body", "Body is not valid JSON: " + e.getMessage());
    }
  }

  /** A sentence saying what is wrong with the JSON and where, without Jackson's internals. */
  static BadInput invalidJson(JsonProcessingException e) {
    return new BadInput("body", "Body is not valid JSON: " + Json.problem(e));
  }

  /**
   * {@code application/x-www-form-urlencoded} text (a body, or a GET's query) as hookshot reads it.
   */
  static ObjectNode form(String text) {
    return form(text, StandardCharsets.UTF_8);
  }

  /** Form text whose {@code %}-escapes are bytes in {@code charset} (the Content-Type's). */
  private static ObjectNode form(String text, Charset charset) {
    ObjectNode out = Json.object();
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String key = unescape(eq < 0 ? pair : pair.substring(0, eq), charset);
      String value = eq < 0 ? "" : unescape(pair.substring(eq + 1), charset);
      // As Node's querystring, which hookshot reads forms with: a repeated name is an array.
      JsonNode seen = out.get(key);
      if (seen == null) out.put(key, value);
      else if (seen.isArray()) ((ArrayNode) seen).add(value);
      else out.putArray(key).add(seen).add(value);
    }
    return out;
  }

  /**
   * A form field decoded as Node's querystring does: {@code +} is a space, each {@code %XX} a byte
   * in {@code charset}, and a {@code %} not followed by two hex digits stays as it is ({@code
   * text=CPU at 95%}, as {@code curl -d} sends it unescaped, is "CPU at 95%", not a refused body).
   * Bytes that are no character in {@code charset} become U+FFFD.
   */
  static String unescape(String field, Charset charset) {
    String s = field.replace('+', ' ');
    if (s.indexOf('%') < 0) return s;
    StringBuilder out = new StringBuilder(s.length());
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    int i = 0;
    while (i < s.length()) {
      if (s.charAt(i) == '%'
          && i + 2 < s.length()
          && HexFormat.isHexDigit(s.charAt(i + 1))
          && HexFormat.isHexDigit(s.charAt(i + 2))) {
        bytes.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
        i += 3;
        continue;
      }
      if (bytes.size() > 0) {
        out.append(decodeBytes(bytes.toByteArray(), charset));
        bytes.reset();
      }
      out.append(s.charAt(i));
      i++;
    }
    if (bytes.size() > 0) out.append(decodeBytes(bytes.toByteArray(), charset));
    return out.toString();
  }

  private static String decodeBytes(byte[] bytes, Charset charset) {
    try {
      return charset
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalStateException("a replacing decoder does not fail", e);
    }
  }

  /** The first {@code maxChars} characters of a text body. */
  private static String text(byte[] body, Charset charset, int maxChars) {
    CharsetDecoder decoder =
        charset
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    CharBuffer out = CharBuffer.allocate(Math.min(maxChars, body.length));
    decoder.decode(ByteBuffer.wrap(body), out, true);
    out.flip();
    return out.toString();
  }

  /** The Content-Type's {@code charset} parameter, if it has one; BadInput if it is unknown. */
  private static Optional<Charset> declaredCharset(String contentType) {
    for (String param : contentType.split(";")) {
      String p = param.strip();
      if (!p.startsWith("charset=")) continue;
      try {
        return Optional.of(Charset.forName(p.substring("charset=".length()).replace("\"", "")));
      } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
        throw new BadInput("Content-Type", "Unknown charset in Content-Type: " + p);
      }
    }
    return Optional.empty();
  }

  /** A JSON parser with the webhook limits, for streaming reads. */
  static JsonParser streamingParser(byte[] body) throws IOException {
    return Json.UNTRUSTED_FACTORY.createParser(body);
  }
}

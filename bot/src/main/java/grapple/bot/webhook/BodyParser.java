package grapple.bot.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import grapple.state.BadInput;
import grapple.state.Json;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.Optional;

/** Turns a webhook body into data by its content type (CONTRACT §6): JSON, form, text or XML. */
final class BodyParser {
  private BodyParser() {}

  /** The content type is not one webhooks take. */
  static final class Unsupported extends RuntimeException {
    Unsupported(String message) {
      super(message);
    }
  }

  /** Parses {@code body}; throws BadInput (unparseable, 400) or Unsupported (415). */
  static JsonNode parse(Optional<String> contentType, byte[] body) {
    if (body.length == 0) return Json.object();
    String full = contentType.orElse("").toLowerCase(Locale.ROOT);
    String mime = full.split(";", 2)[0].strip();
    Charset charset = charset(full);
    if (mime.equals("application/json") || mime.endsWith("+json")) return json(body);
    if (mime.equals("application/x-www-form-urlencoded")) return form(new String(body, charset));
    if (mime.endsWith("/xml") || mime.endsWith("+xml")) return XmlToJson.parse(body);
    if (mime.startsWith("text/")) return TextNode.valueOf(new String(body, charset));
    throw new Unsupported(mime.isEmpty()
        ? "Missing Content-Type: send application/json, application/x-www-form-urlencoded, text/* or XML"
        : "Unsupported Content-Type '" + mime + "': send application/json, application/x-www-form-urlencoded,"
            + " text/* or XML");
  }

  private static JsonNode json(byte[] body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadInput("body", "Body is not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    } catch (java.io.IOException e) {
      throw new BadInput("body", "Body is not valid JSON: " + e.getMessage());
    }
  }

  private static ObjectNode form(String text) {
    ObjectNode out = Json.object();
    for (String pair : text.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      try {
        String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        out.put(key, value);
      } catch (IllegalArgumentException e) {
        throw new BadInput("body", "Body is not valid form data: " + e.getMessage());
      }
    }
    return out;
  }

  private static Charset charset(String contentType) {
    for (String param : contentType.split(";")) {
      String p = param.strip();
      if (!p.startsWith("charset=")) continue;
      try {
        return Charset.forName(p.substring("charset=".length()).replace("\"", ""));
      } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
        throw new BadInput("Content-Type", "Unknown charset in Content-Type: " + p);
      }
    }
    return StandardCharsets.UTF_8;
  }
}

package grapple.bot.rpc;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import grapple.bot.Changes;
import grapple.bot.ServiceInfo;
import grapple.bot.http.Request;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.bot.provisioning.ApiException;
import grapple.bot.provisioning.Caller;
import grapple.bot.provisioning.ErrorCode;
import grapple.commands.DidYouMean;
import grapple.state.BadInput;
import grapple.state.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /_admin/api} (CONTRACT §14): {@code {"id", "api_key", "method", "args"}} in, always
 * HTTP 200 with {@code {"id", "result", "error"}} out, the id echoed whatever its type. The key is
 * checked as {@code /v1} checks it; the methods are a table ({@link RpcMethod}), looked up by name.
 */
public final class JsonRpc {
  /** Further than this many edits is a different method, not a typo. */
  private static final int MAX_TYPO_EDITS = 3;

  private static final Logger log = LoggerFactory.getLogger(JsonRpc.class);

  public static final String PATH = "/_admin/api";

  /** What a request may hold (CONTRACT §14), in the order the seed writes them. */
  private static final List<String> REQUEST_MEMBERS = List.of("id", "api_key", "method", "args");

  private final Function<String, Caller> keys;
  private final Map<String, RpcMethod> methods = new LinkedHashMap<>();
  private final Map<String, ServiceInfo> servicesOff;

  /** {@code keys}: who an api_key is (an ApiException with HS_BAD_TOKEN when nobody). */
  public JsonRpc(Function<String, Caller> keys, List<RpcMethod> table) {
    this(keys, table, Map.of());
  }

  /**
   * {@code servicesOff}: the methods of services this bot does not run, each with its service, so
   * that calling one says the service is off (and what turns it on) rather than that the method is
   * unknown.
   */
  public JsonRpc(
      Function<String, Caller> keys, List<RpcMethod> table, Map<String, ServiceInfo> servicesOff) {
    this.keys = keys;
    this.servicesOff = Map.copyOf(servicesOff);
    for (RpcMethod m : table) {
      if (methods.putIfAbsent(m.name(), m) != null)
        throw new IllegalStateException("the JSON-RPC method " + m.name() + " is declared twice");
    }
    RpcMethod describe =
        new RpcMethod(
            "get_methods",
            "Every method: its args (optional ones with their default) and the scope it needs",
            List.of(),
            null,
            call -> describe());
    methods.putIfAbsent(describe.name(), describe);
  }

  public void addTo(Router router) {
    router.add("POST", PATH, this::handle);
  }

  /** Every method, {@code get_methods} included, in the order declared. */
  public List<RpcMethod> methods() {
    return List.copyOf(methods.values());
  }

  /** The table as {@code get_methods} answers it. */
  public ArrayNode describe() {
    ArrayNode out = Json.MAPPER.createArrayNode();
    methods.values().forEach(m -> out.add(m.describe()));
    return out;
  }

  private Response handle(Request request) {
    byte[] bytes;
    try {
      bytes = request.body();
    } catch (Request.BodyTooLarge e) {
      return answer(
          null, null, "The request is larger than " + Router.DEFAULT_MAX_BODY_BYTES + " bytes.");
    }
    JsonNode parsed;
    try {
      parsed = Json.UNTRUSTED_UNIQUE_NAMES.readTree(bytes);
    } catch (JsonProcessingException e) {
      return answer(idDespite(e, bytes), null, "The request is not valid JSON: " + unreadable(e));
    } catch (IOException e) {
      return answer(null, null, "The request could not be read: " + e.getMessage());
    }
    if (parsed == null || !parsed.isObject()) {
      return answer(
          null,
          null,
          "The request must be a JSON object: {\"id\", \"api_key\", \"method\", \"args\"}.");
    }
    JsonNode id = id(parsed, bytes);
    try {
      return answer(id, call((ObjectNode) parsed, request.requestId()), null);
    } catch (RpcError e) {
      return answer(id, null, e.getMessage());
    }
  }

  /**
   * The request's id; its fractional numbers, at any depth ({@code 7.5}, {@code {"n": [7.5]}}), as
   * the very text they were written as. Read as a double, {@code 1e400} would be answered as the
   * string "Infinity" and {@code 0.10000000000000000001} as 0.1; read as a BigDecimal, {@code
   * 1e9999999999} is no number at all (its exponent overflows).
   */
  private static @Nullable JsonNode id(JsonNode parsed, byte[] bytes) {
    JsonNode id = parsed.get("id");
    if (id == null || !(id.isFloatingPointNumber() || id.isContainerNode())) return id;
    return Json.MAPPER.getNodeFactory().rawValueNode(new RawValue(idAsWritten(bytes)));
  }

  /**
   * The id of a request refused for naming a member twice (its {@code args}' or its own): JSON that
   * reads, so its id is known and answered, as every other refusal of a readable request is. Null
   * (as for JSON that does not read) when the id itself is given twice: which one is the id would
   * be a guess.
   */
  private static @Nullable JsonNode idDespite(JsonProcessingException e, byte[] bytes) {
    if (Json.duplicateName(e).isEmpty()) return null;
    JsonNode parsed;
    try {
      parsed = Json.UNTRUSTED.readTree(bytes);
    } catch (IOException again) {
      return null; // It read once but for the name twice; without that check it reads too.
    }
    if (parsed == null || !parsed.isObject() || topLevelIds(bytes) != 1) return null;
    return id(parsed, bytes);
  }

  /** How many times the request's object names {@code id} (its args' ids are not counted). */
  private static int topLevelIds(byte[] bytes) {
    int ids = 0;
    try (JsonParser parser = Json.UNTRUSTED_FACTORY.createParser(bytes)) {
      parser.nextToken(); // The request's object.
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        if (parser.currentName().equals("id")) ids++;
        parser.nextToken();
        parser.skipChildren();
      }
    } catch (IOException e) {
      throw new IllegalStateException("a request read once reads again", e);
    }
    return ids;
  }

  /**
   * The request's top-level {@code id} as JSON text: what the parser read, its fractional numbers
   * copied as their text (which the parser has checked is a JSON number, nothing else).
   */
  private static String idAsWritten(byte[] bytes) {
    StringWriter out = new StringWriter();
    try (JsonParser parser = Json.UNTRUSTED_FACTORY.createParser(bytes);
        JsonGenerator copy = Json.MAPPER.getFactory().createGenerator(out)) {
      parser.nextToken(); // The request's object.
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        parser.nextToken();
        if (!name.equals("id")) {
          parser.skipChildren();
          continue;
        }
        int depth = 0;
        do {
          JsonToken token = parser.currentToken();
          if (token == JsonToken.VALUE_NUMBER_FLOAT) copy.writeNumber(parser.getText());
          else copy.copyCurrentEvent(parser);
          if (token.isStructStart()) depth++;
          if (token.isStructEnd()) depth--;
        } while (depth > 0 && parser.nextToken() != null);
        copy.flush();
        return out.toString();
      }
    } catch (IOException e) {
      throw new IllegalStateException("a request read once reads again", e);
    }
    throw new IllegalStateException("a request's id is gone when read again");
  }

  /**
   * Why the request is not JSON, without the bare word Jackson quotes: in a request that word is
   * often the {@code api_key} sent without its quotes, and a key is never echoed.
   */
  private static String unreadable(JsonProcessingException e) {
    return Json.problem(e)
        .replaceFirst(
            "^(?s)Unrecognized token '.*': was expecting",
            "Unrecognized token (a bare word: a string needs double quotes): was expecting");
  }

  /** A mistake of the caller's, answered as {@code error}. */
  private static final class RpcError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RpcError(String message) {
      super(message, null, false, false);
    }
  }

  private JsonNode call(ObjectNode request, String requestId) {
    Caller caller = caller(request.get("api_key"));
    requireKnownMembers(request);
    RpcMethod method = method(request.get("method"));
    if (method.scope() != null && !caller.has(method.scope()))
      throw new RpcError("API key lacks scope " + method.scope());
    RpcCall call = new RpcCall(caller, args(method, request.get("args")));
    try {
      return method.handler().call(call);
    } catch (ApiException e) {
      throw new RpcError(e.getMessage());
    } catch (BadInput e) {
      throw new RpcError(e.getMessage());
    } catch (Changes.Conflict e) {
      throw new RpcError(e.getMessage());
    } catch (IOException | RuntimeException e) {
      log.error("json-rpc: {} failed (request {})", method.name(), requestId, e);
      throw new RpcError(
          "Something went wrong (request " + requestId + "); the bot's log has the details.");
    }
  }

  /**
   * Refuses a member of the request other than the four: a misspelt or JSON-RPC 2.0 {@code
   * "params"} would be read as no args at all, and a method whose args are all optional would then
   * run on everything ({@code retry_failed} for every room, not the one given). As an unknown arg
   * is refused, so is this.
   */
  private static void requireKnownMembers(ObjectNode request) {
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (REQUEST_MEMBERS.contains(name)) continue;
      throw new RpcError(
          "unknown member `"
              + name
              + "` in the request (known: "
              + String.join(", ", REQUEST_MEMBERS)
              + (name.equals("params") ? "; the args go in `args`" : "")
              + ")");
    }
  }

  private RpcMethod method(@Nullable JsonNode name) {
    if (name == null || name.isNull())
      throw new RpcError("Missing `method` in JSON DATA (get_methods lists them).");
    if (!name.isTextual())
      throw new RpcError("`method` must be a string, was " + Json.write(name) + ".");
    RpcMethod method = methods.get(name.asText());
    if (method != null) return method;
    ServiceInfo service = servicesOff.get(name.asText());
    if (service != null) throw new RpcError(service.notEnabled(" (" + name.asText() + ")"));
    String near = DidYouMean.closest(name.asText(), methods.keySet(), MAX_TYPO_EDITS);
    throw new RpcError(
        "unknown method '"
            + name.asText()
            + "' ("
            + (near == null ? "get_methods lists them" : "did you mean " + near + "?")
            + ")");
  }

  /**
   * Who the {@code api_key} is. Whitespace around it is not part of it (a key pasted with its line
   * break), as {@code /v1} ignores it around a Bearer token. A key that is not a string is named by
   * its JSON type only: it may be the key itself, which is never echoed.
   */
  private Caller caller(@Nullable JsonNode key) {
    if (key == null || key.isNull() || (key.isTextual() && key.asText().isBlank()))
      throw new RpcError("Missing `api_key` in JSON DATA.");
    if (!key.isTextual())
      throw new RpcError(
          "`api_key` must be a string (the key in double quotes), was " + type(key) + ".");
    try {
      return keys.apply(key.asText().strip());
    } catch (ApiException e) {
      if (e.code() == ErrorCode.BAD_TOKEN) throw new RpcError("Invalid API key");
      throw new RpcError(e.getMessage());
    }
  }

  /** The args, checked against the method's declaration, with the defaults filled in. */
  private static Map<String, JsonNode> args(RpcMethod method, @Nullable JsonNode given) {
    if (given != null && !given.isNull() && !given.isObject()) {
      throw new RpcError("`args` must be a JSON object of name: value, was " + kind(given) + ".");
    }
    ObjectNode args = given == null || given.isNull() ? Json.object() : (ObjectNode) given;
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (RpcMethod.Arg arg : method.args()) {
      JsonNode value = args.get(arg.name());
      if (value == null || value.isNull()) {
        if (!arg.optional())
          throw new RpcError("Missing non optional `" + arg.name() + "` arg in JSON DATA");
        out.put(arg.name(), arg.defaultValue());
        continue;
      }
      if (!arg.type().accepts(value)) {
        throw new RpcError(
            "`" + arg.name() + "` must be " + article(arg.type()) + ", was " + kind(value) + ".");
      }
      String outOfRange = Json.nonFinite(value, arg.name());
      if (outOfRange != null)
        throw new RpcError(
            "`"
                + outOfRange
                + "` is a number too large for a double (it would be kept as the string"
                + " \"Infinity\"); send it as a string or a smaller number.");
      out.put(arg.name(), value);
    }
    for (Iterator<String> names = args.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (out.containsKey(name)) continue;
      throw new RpcError(
          "unknown arg `"
              + name
              + "` for "
              + method.name()
              + " (known: "
              + (method.args().isEmpty()
                  ? "none"
                  : String.join(", ", method.args().stream().map(RpcMethod.Arg::name).toList()))
              + ")");
    }
    return out;
  }

  private static String article(RpcMethod.Type type) {
    return (type == RpcMethod.Type.OBJECT || type == RpcMethod.Type.INTEGER ? "an " : "a ")
        + type.word();
  }

  /** What a value is, in words, with the value when it is short. */
  private static String kind(JsonNode value) {
    String shown = Json.write(value);
    return shown.length() <= 40 ? type(value) + " " + shown : type(value);
  }

  /** What a value is, in words, without the value. */
  private static String type(JsonNode value) {
    return switch (value.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      default -> "null";
    };
  }

  private static Response answer(
      @Nullable JsonNode id, @Nullable JsonNode result, @Nullable String error) {
    ObjectNode out = Json.object();
    out.set("id", id == null ? Json.MAPPER.nullNode() : id);
    out.set("result", result == null ? Json.MAPPER.nullNode() : result);
    out.put("error", error);
    return Response.json(200, out);
  }
}

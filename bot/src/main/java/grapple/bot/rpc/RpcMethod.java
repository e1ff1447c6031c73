package grapple.bot.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Json;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One JSON-RPC method as data: its name, what it does, its args (types, optional ones with their
 * default), the API key scope it needs ({@code null}: any valid key) and its handler. The endpoint,
 * {@code get_methods} and the CLI's help all read this one declaration.
 */
public record RpcMethod(
    String name, String summary, List<Arg> args, @Nullable String scope, Handler handler) {
  public RpcMethod {
    Objects.requireNonNull(name, "name");
    args = List.copyOf(args);
  }

  /** Runs the call; the args are checked and have their defaults. May throw ApiException. */
  @FunctionalInterface
  public interface Handler {
    JsonNode call(RpcCall call) throws IOException;
  }

  /** The JSON types an arg may have. */
  public enum Type {
    STRING("string"),
    OBJECT("object"),
    INTEGER("integer"),
    BOOLEAN("boolean");

    private final String word;

    Type(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }

    boolean accepts(JsonNode value) {
      return switch (this) {
        case STRING -> value.isTextual();
        case OBJECT -> value.isObject();
        case INTEGER -> value.isIntegralNumber();
        case BOOLEAN -> value.isBoolean();
      };
    }
  }

  /** One arg: required unless it has a default ({@code null} JSON is a default too). */
  public record Arg(String name, Type type, boolean optional, JsonNode defaultValue, String help) {
    /** A required arg. */
    public static Arg required(String name, Type type, String help) {
      return new Arg(name, type, false, Json.MAPPER.nullNode(), help);
    }

    /** An optional arg that is null unless given. */
    public static Arg optional(String name, Type type, String help) {
      return new Arg(name, type, true, Json.MAPPER.nullNode(), help);
    }

    /**
     * As the README's table writes it: {@code roomid}, or {@code type = null} (an optional arg with
     * its default as JSON; not the seed's Python {@code Optional(None)}, which read in Java's words
     * as an Optional holding null).
     */
    public String signature() {
      return optional ? name + " = " + Json.write(defaultValue) : name;
    }
  }

  /** The method as {@code get_methods} shows it. */
  public ObjectNode describe() {
    ObjectNode out = Json.object().put("name", name).put("summary", summary);
    ObjectNode shown = out.putObject("args");
    for (Arg a : args) {
      ObjectNode arg = shown.putObject(a.name()).put("type", a.type().word());
      arg.put("optional", a.optional());
      if (a.optional()) arg.set("default", a.defaultValue());
      arg.put("help", a.help());
    }
    out.put("scope", scope);
    return out;
  }
}

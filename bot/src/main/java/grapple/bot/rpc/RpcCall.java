package grapple.bot.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.provisioning.Caller;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** One call as a handler sees it: who calls, and the args, checked, with defaults filled in. */
public final class RpcCall {
  private final Caller caller;
  private final Map<String, JsonNode> args;

  RpcCall(Caller caller, Map<String, JsonNode> args) {
    this.caller = caller;
    this.args = Map.copyOf(args);
  }

  public Caller caller() {
    return caller;
  }

  /** A string arg the method declares (required, or optional with a non-null default). */
  public String string(String name) {
    String value = optionalString(name);
    if (value == null) throw new IllegalStateException("arg " + name + " is null");
    return value;
  }

  /** A string arg, or null when it is optional and was not given. */
  public @Nullable String optionalString(String name) {
    JsonNode value = arg(name);
    return value.isNull() ? null : value.asText();
  }

  /** An object arg the method declares. */
  public ObjectNode object(String name) {
    JsonNode value = arg(name);
    if (!value.isObject()) throw new IllegalStateException("arg " + name + " is not an object");
    return ((ObjectNode) value).deepCopy();
  }

  /** An object arg, or null when it is optional and was not given. */
  public @Nullable ObjectNode optionalObject(String name) {
    JsonNode value = arg(name);
    return value.isNull() ? null : object(name);
  }

  public boolean bool(String name) {
    return arg(name).asBoolean();
  }

  private JsonNode arg(String name) {
    JsonNode value = args.get(name);
    if (value == null) throw new IllegalStateException("the method has no arg " + name);
    return value;
  }
}

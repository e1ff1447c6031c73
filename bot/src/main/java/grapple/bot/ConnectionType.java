package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.Router;
import grapple.commands.Command;
import grapple.state.Connection;
import java.util.List;
import java.util.Optional;

/** A kind of link between a room and an outside service; one package per type, listed in Main. */
public interface ConnectionType {
  /** API type, e.g. {@code Webhook}. */
  String name();

  /** Canonical state event type. */
  String eventType();

  /** Older event types read as this one (hookshot's {@code matrix-github} names). */
  List<String> legacyEventTypes();

  /** Permission and config section, e.g. {@code generic}. */
  String service();

  /** The commands of this type; they change connections through {@code connections}. */
  List<Command> commands(Connections connections);

  /** HTTP endpoints this type receives on (the webhook listener). */
  void routes(Router router, Connections connections);

  /** The state key a connection created through the API gets from its content; BadInput if none. */
  String stateKeyFor(ObjectNode content);

  /** What only the creator may see, for the API's {@code secrets} (e.g. a webhook's URL). */
  java.util.Map<String, String> secrets(Connection connection);

  /**
   * Checks a connection a command or the API is about to create against the outside world (a feed
   * must answer with a feed); throws BadInput saying why not. Room state written by hand is not
   * checked this way: the connection reports its failures instead.
   */
  default void checkNew(String stateKey, ObjectNode content) {}

  /** Stops what the type runs in the background (pollers); called once at shutdown. */
  default void close() {}

  /** Checks state content for {@code stateKey}; throws BadInput naming field and rule. */
  void validate(String stateKey, ObjectNode content);

  /**
   * Called after a connection was created or changed ({@code previous} empty when new); returns a
   * private message (Markdown) for whoever made the change, e.g. a secret URL.
   */
  Optional<String> applied(Optional<Connection> previous, Connection current);

  /** Called at start for each connection of this type stored by an earlier run (e.g. to poll it). */
  default void loaded(Connection connection) {}

  /** Called after a connection was removed. */
  void removed(Connection connection);

  /** One short line describing the config, for {@code list}; never a secret. */
  String summary(Connection connection);
}

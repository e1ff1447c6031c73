package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.state.Connection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One kind of connection a service offers (e.g. {@code Webhook}): its state event type, how its
 * state content is read into the service's own immutable config record ({@code C}), and the live
 * object each connection of this kind becomes. Content is parsed once, when it changes.
 */
public interface ConnectionKind<C> {
  /** The API's name for the type, e.g. {@code Webhook}. */
  String name();

  /** The service it belongs to (permissions, config): e.g. {@code generic}. */
  String service();

  /** The canonical state event type. */
  String eventType();

  /** Older event types read as this one (hookshot's {@code matrix-github} names). */
  default List<String> legacyEventTypes() {
    return List.of();
  }

  /** Reads state content for {@code stateKey}; throws BadInput naming the field and the rule. */
  C parse(String stateKey, ObjectNode content);

  /**
   * Reads content that room state holds (written by hand, or stored from such state): as {@link
   * #parse} unless the kind takes here what commands and the API refuse, where rooms built for
   * hookshot rely on it (a webhook whose script does not compile runs without it, and says so
   * through {@link LiveConnection#stateNotice}).
   */
  default C parseState(String stateKey, ObjectNode content) {
    return parse(stateKey, content);
  }

  /**
   * The prefix on which a connection with {@code config} answers commands of its own in its room
   * ({@code !gh}), if its kind has such commands: two connections of a room never share one.
   */
  default Optional<String> commandPrefix(C config) {
    return Optional.empty();
  }

  /**
   * The content a new connection (from a command or the API) is written with: by default as given;
   * a service may merge its configured defaults under it.
   */
  default ObjectNode contentForNew(ObjectNode content) {
    return content;
  }

  /**
   * The fields the API keeps in the content of a connection it creates or changes; any other is
   * dropped before the content is written, as hookshot's {@code validateState} of this kind builds
   * the state anew from its own fields. Empty: every field is kept (hookshot's forge connections
   * keep what they are given).
   */
  default Optional<Set<String>> fields() {
    return Optional.empty();
  }

  /** The state key a connection created through the API gets from its content; BadInput if none. */
  String stateKeyFor(ObjectNode content);

  /**
   * Checks a connection a command or the API is about to create against the outside world (a feed
   * must answer with a feed); throws BadInput saying why not. Room state written by hand is not
   * checked this way: the connection reports its failures instead.
   */
  default void checkNew(String stateKey, C config) {}

  /**
   * As {@link #checkNew(String, Object)}, knowing who asks ({@code userId}): a forge checks that
   * user's permission on the repository with their linked account.
   */
  default void checkNew(String stateKey, C config, String userId) {
    checkNew(stateKey, config);
  }

  /**
   * As {@link #checkNew(String, Object, String)}, and answers the content to write: by default
   * {@code content}; a kind may complete it with what its check learned (JIRA: the project's id, by
   * which version events name it).
   */
  default ObjectNode checkedNew(String stateKey, C config, ObjectNode content, String userId) {
    checkNew(stateKey, config, userId);
    return content;
  }

  /**
   * Checks the content a command or the API is about to replace a connection's with (a PATCH), as
   * {@link #checkNew(String, Object)} does for a new one; by default nothing (a feed is fetched, a
   * forge's permission checked, only when the connection is made). A kind whose check keeps the bot
   * off places it must not reach (an outbound hook's internal addresses) checks here too.
   */
  default void checkChange(String stateKey, C config) {}

  /**
   * The tables in which the kind keeps rows of a connection by its id ({@code connection_id}): when
   * the connection moves to the room that replaced its room (a room upgrade, under a new id), they
   * are carried to the new id with its secrets, so that it goes on as the same connection (a feed's
   * seen items, an outbound hook's queue).
   */
  default List<String> tablesByConnection() {
    return List.of();
  }

  /**
   * A connection of this kind was removed (not replaced) through the API or a room state edit by
   * {@code userId}, who is not the bot: what the kind set up outside for it (a forge's project
   * hook) may be undone with that user's linked account. Called once, on the instance that made the
   * removal (the one the API call came to; the one that reads room state, the leader), after it is
   * done, with no lock held, on a thread that must not wait for the outside (the sync thread among
   * them): a kind that asks the outside hands that to a thread of its own. A room command's removal
   * does not come here: the command undoes such things itself, to tell its sender what it did.
   */
  default void removedBy(Active removed, String userId) {}

  /**
   * Makes the live object of a connection: {@code created} when a command, the API or a hand edit
   * just made it (not when it was loaded at start or changed).
   */
  LiveConnection open(Connection connection, C config, boolean created);
}

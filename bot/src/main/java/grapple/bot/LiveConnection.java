package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.BatchWrites;
import grapple.bot.room.RoomEvent;
import grapple.state.Json;
import grapple.state.SqlWork;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One connection at work: it holds its parsed config, answers for itself in {@code list} and the
 * API, sees the messages of its room, and lets go of what it holds when removed.
 */
public interface LiveConnection {
  /** One short line describing the config, for {@code list}; never a secret (Markdown). */
  String summary();

  /** What only the creator may see, for the API's {@code secrets} (e.g. a webhook's URL). */
  default Map<String, String> secrets() {
    return Map.of();
  }

  /**
   * The API's {@code secrets} object for its creator: {@link #secrets()} as strings unless the
   * connection shows more in hookshot's shape (a webhook's {@code timeRemainingMs} is a number).
   */
  default ObjectNode apiSecrets() {
    ObjectNode out = Json.object();
    secrets().forEach(out::put);
    return out;
  }

  /** A private message (Markdown) for whoever just created it, e.g. its secret URL. */
  default Optional<String> welcome() {
    return Optional.empty();
  }

  /**
   * A message (content) for its room when room state has just put it in effect (not at start, when
   * all state is read again): what is wrong with its config that did not stop it, e.g. a webhook
   * script that does not compile, which the hook runs without until it is fixed.
   */
  default Optional<ObjectNode> stateNotice() {
    return Optional.empty();
  }

  /** A message in its room from someone other than the bot, in room order. */
  default void onMessage(RoomEvent.Message message) {}

  /**
   * Whether {@code message}, in its room from someone other than the bot, is for it to answer (a
   * command on its own prefix, a hotlink): asked on the thread that reads rooms, cheaply, nothing
   * done yet. A message claimed is recorded with the sync position of its batch and later handed to
   * {@link #answer} on its room's commands thread, in room order with the {@code !grapple}
   * commands.
   */
  default boolean claims(RoomEvent.Message message) {
    return false;
  }

  /**
   * Whether {@code message}, which it {@link #claims claimed}, is a command typed on its prefix
   * rather than a hotlink: one its room had too many commands waiting to take is told so; a hotlink
   * is let go without a word.
   */
  default boolean claimsAsCommand(RoomEvent.Message message) {
    return false;
  }

  /**
   * Answers a message it {@link #claims claimed} (asked again first: its config may have changed
   * meanwhile): the messages (content) to post in its room, queued in one transaction with the
   * record that the message was answered, so a batch read again is not answered twice. A crash
   * after this returns and before that transaction commits has it called again at the next start:
   * what it did outside (an issue created on a forge) may then be done twice.
   */
  default List<ObjectNode> answer(RoomEvent.Message message) {
    return List.of();
  }

  /**
   * A room event of the timeline (raw, with {@code room_id}; state events too, of the types some
   * running service asked for with {@link Service.Running#roomEventTypes}), from someone other than
   * the bot, in room order, including those a restart fetches again: what to queue for it,
   * committed with the sync position (see {@link BatchWrites}). Messages always come.
   */
  default Optional<Queued> onRoomEvent(ObjectNode event) {
    return Optional.empty();
  }

  /** Work to commit with the sync position, and what to do once it has committed. */
  record Queued(SqlWork<?> work, Runnable committed) {}

  /** How it is doing, for the API's {@code status} (e.g. deliveries queued and failed). */
  default Optional<ObjectNode> apiStatus() {
    return Optional.empty();
  }

  /** It was removed (or replaced by a changed config: then {@code replaced} is true). */
  default void closed(boolean replaced) {}
}

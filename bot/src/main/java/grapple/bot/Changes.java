package grapple.bot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.RoomGateway;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import grapple.state.Json;
import grapple.state.MessageException;
import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How commands and the API change connections: check the content, write the room state (the source
 * of truth) without holding any lock while the homeserver answers, then put it in effect at once;
 * the state's echo from the homeserver then changes nothing.
 */
public final class Changes {
  private final Connections connections;
  private final RoomGateway gateway;

  Changes(Connections connections, RoomGateway gateway) {
    this.connections = connections;
    this.gateway = gateway;
  }

  /** Who asks for a change: a user, and the provisioning API key they came with (or null). */
  public record Actor(String userId, @Nullable String key) {
    public static Actor user(String userId) {
      return new Actor(userId, null);
    }

    /** Who, as the audit log names them: the user, and the API key by its name (never secret). */
    public String logged() {
      return key == null ? userId : userId + " with API key " + key;
    }
  }

  /** A connection now in effect, and the private message for whoever made it (e.g. its URL). */
  public record Applied(Active active, Optional<String> privateMessage) {}

  /**
   * A change that another connection of the room stands in the way of: the API shows that one to
   * the caller as hookshot does ({@code existingConnection}).
   */
  public abstract static class Conflict extends MessageException {
    private static final long serialVersionUID = 1L;

    private final transient @Nullable Active existing;

    Conflict(String message, @Nullable Active existing) {
      super(message);
      this.existing = existing;
    }

    /** The connection in the way; empty when it is still being created. */
    public final Optional<Active> existing() {
      return Optional.ofNullable(existing);
    }
  }

  /** A connection of that type and state key exists already in the room (or is being created). */
  public static final class AlreadyExists extends Conflict {
    private static final long serialVersionUID = 1L;

    AlreadyExists(ConnectionKind<?> kind, String stateKey, @Nullable Active existing) {
      super(
          kind.name() + " " + Markdown.code(stateKey) + " already exists in this room.", existing);
    }
  }

  /**
   * The connection being changed was removed meanwhile (a change and a removal at once): the change
   * would bring it back, with secrets nobody is told.
   */
  public static final class Gone extends Conflict {
    private static final long serialVersionUID = 1L;

    Gone(ConnectionKind<?> kind, String stateKey) {
      super(
          kind.name() + " " + Markdown.code(stateKey) + " was removed meanwhile; create it again.",
          null);
    }
  }

  /**
   * The connection being changed was changed by someone else after this change read it (an API
   * PATCH racing a room admin's edit of the state event): merged into what it read, the change
   * would silently undo theirs. {@link #existing} is the connection as it is now.
   */
  public static final class ChangedMeanwhile extends Conflict {
    private static final long serialVersionUID = 1L;

    ChangedMeanwhile(ConnectionKind<?> kind, String stateKey, Active current) {
      super(
          kind.name()
              + " "
              + Markdown.code(stateKey)
              + " was changed meanwhile by "
              + current.connection().updated().by()
              + "; nothing was written: read it again and send your change on top of it.",
          current);
    }
  }

  /**
   * The connection is being moved, or moved, to the room that replaced its room (an upgrade):
   * nothing was written. A change while the move writes its copy would be lost (the copy has the
   * content read before it), so it is refused until the move is done; a change made from what was
   * read before the move is sent again there. {@link #existing} is the connection in the new room,
   * once it is there.
   */
  public static final class Moved extends Conflict {
    private static final long serialVersionUID = 1L;

    Moved(
        ConnectionKind<?> kind,
        String stateKey,
        String newRoomId,
        boolean done,
        @Nullable Active there) {
      super(
          kind.name()
              + " "
              + Markdown.code(stateKey)
              + (done ? " moved to " : " is moving to ")
              + Markdown.code(newRoomId)
              + ", the room that replaced this one; nothing was written: "
              + (done ? "send your change there." : "send your change there in a moment."),
          there);
    }
  }

  /** Another connection of the room answers commands on that prefix already. */
  public static final class PrefixTaken extends Conflict {
    private static final long serialVersionUID = 1L;

    PrefixTaken(String prefix, Active holder) {
      super(
          "Command prefix \""
              + prefix
              + "\" is already used in this room. Please choose another prefix.",
          holder);
    }
  }

  /**
   * Creates a connection; throws BadInput (invalid, or refused by the outside check), AlreadyExists
   * or PrefixTaken. A connection given no {@code commandPrefix} whose default one is taken in the
   * room (or is the bot's own) gets the first free one of {@code !gh2}, {@code !gh3}, ... (hookshot
   * refuses it instead, and its users asked for this: matrix-hookshot issue 637).
   */
  public <C> Applied create(
      String roomId, ConnectionKind<C> kind, String stateKey, ObjectNode content, Actor actor)
      throws IOException {
    Optional<Active> existing = connections.find(roomId, kind, stateKey);
    if (existing.isPresent()) throw new AlreadyExists(kind, stateKey, existing.get());
    Change<C> change = checked(Change.of(roomId, kind, stateKey, kind.contentForNew(content)));
    if (!content.has("commandPrefix")) change = withFreePrefix(change);
    connections.requirePrefixFreeOfBot(change);
    requireOwnPrefix(change, null);
    // No lock meanwhile: a slow outside check (a feed fetch) or homeserver holds up nobody else.
    ObjectNode checkedContent =
        kind.checkedNew(stateKey, change.config(), change.content(), actor.userId());
    if (!checkedContent.equals(change.content()))
      change = checked(Change.of(roomId, kind, stateKey, checkedContent));
    Active active = write(change, actor, null);
    return new Applied(active, Connections.welcomeOf(active));
  }

  /**
   * Replaces a connection's content, {@code existing} being what {@code content} was made from;
   * throws BadInput naming the field and the rule (or refused by the kind's {@link
   * ConnectionKind#checkChange}), or {@link ChangedMeanwhile} when the connection in effect is no
   * longer {@code existing}'s content (then nothing is written).
   */
  public Applied update(Active existing, ObjectNode content, Actor actor) throws IOException {
    Change<?> change =
        checked(Change.of(existing.roomId(), existing.kind(), existing.stateKey(), content));
    connections.requirePrefixFreeOfBot(change);
    requireOwnPrefix(change, existing);
    checkChange(change);
    return new Applied(write(change, actor, existing), Optional.empty());
  }

  private static <C> void checkChange(Change<C> change) {
    change.kind().checkChange(change.stateKey(), change.config());
  }

  /** Removes a connection by emptying its room state. */
  public void remove(Active existing, String actor) throws IOException {
    remove(existing, Actor.user(actor));
  }

  /** Removes a connection by emptying its room state; the log names the actor's API key. */
  public void remove(Active existing, Actor actor) throws IOException {
    ObjectNode empty = Json.object();
    connections.expectOwnWrite(
        existing.roomId(), existing.kind(), existing.stateKey(), empty, false, null);
    putState(existing.roomId(), existing.kind(), existing.stateKey(), empty);
    try {
      connections.forget(existing, actor.logged());
    } catch (RuntimeException e) {
      // Not taken out of effect (the database failed): the write no longer counts as under way.
      connections.cancelOwnWrite(existing.roomId(), existing.kind(), existing.stateKey());
      throw e;
    }
    connections.ownWriteApplied(existing.roomId(), existing.kind(), existing.stateKey());
    connections.emptyOtherTypes(
        existing.roomId(), existing.kind(), existing.stateKey(), existing.kind().eventType());
  }

  /**
   * Content that room state reads as a removal ({@code {}}, {@code "disabled": true}) is refused:
   * it would be put in effect here while the room's state said the connection was gone.
   */
  private static <C> Change<C> checked(Change<C> change) {
    BadInput.check(
        !Connections.disables(change.content()),
        "disabled",
        "must not be set: room state with it removes the connection; remove it instead");
    BadInput.check(
        !change.content().isEmpty(),
        "content",
        "must not be empty: empty room state removes the connection; remove it instead");
    BadInput.check(
        Json.depth(change.content()) <= Json.MAX_DEPTH,
        "content",
        "must not be nested deeper than %d levels",
        Json.MAX_DEPTH);
    return change;
  }

  /**
   * {@code change} with the first free prefix of its default one and a number, when the default is
   * taken in its room.
   */
  private <C> Change<C> withFreePrefix(Change<C> change) {
    Optional<String> prefix = change.kind().commandPrefix(change.config());
    if (prefix.isEmpty() || isFree(change.roomId(), prefix.get())) return change;
    for (int n = 2; ; n++) {
      String free = prefix.get() + n;
      if (isFree(change.roomId(), free)) {
        ObjectNode content = change.content().deepCopy().put("commandPrefix", free);
        return checked(Change.of(change.roomId(), change.kind(), change.stateKey(), content));
      }
    }
  }

  /** Whether no connection of the room answers on {@code prefix}, nor does the bot itself. */
  private boolean isFree(String roomId, String prefix) {
    return holder(roomId, prefix, null).isEmpty() && connections.clashesWithBot(prefix).isEmpty();
  }

  /** Throws PrefixTaken when another connection of the room than {@code self} has its prefix. */
  private <C> void requireOwnPrefix(Change<C> change, @Nullable Active self) {
    Optional<String> prefix = change.kind().commandPrefix(change.config());
    if (prefix.isEmpty()) return;
    Optional<Active> holder = holder(change.roomId(), prefix.get(), self);
    if (holder.isPresent()) throw new PrefixTaken(prefix.get(), holder.get());
  }

  /** The room's connection other than {@code self} that answers on {@code prefix} (any case). */
  private Optional<Active> holder(String roomId, String prefix, @Nullable Active self) {
    return connections.inRoom(roomId).stream()
        .filter(a -> self == null || !a.id().equals(self.id()))
        .filter(a -> a.commandPrefix().filter(prefix::equalsIgnoreCase).isPresent())
        .findFirst();
  }

  /** Writes a creation ({@code base} null) or a change of {@code base}. */
  private Active write(Change<?> change, Actor actor, @Nullable Active base) throws IOException {
    connections.expectOwnWrite(
        change.roomId(), change.kind(), change.stateKey(), change.content(), base == null, base);
    putState(change.roomId(), change.kind(), change.stateKey(), change.content());
    Active active;
    try {
      active = connections.apply(change, actor);
    } catch (RuntimeException e) {
      // Not put in effect (the database failed): the write no longer counts as under way.
      connections.cancelOwnWrite(change.roomId(), change.kind(), change.stateKey());
      throw e;
    }
    connections.ownWriteApplied(change.roomId(), change.kind(), change.stateKey());
    return active;
  }

  private void putState(String roomId, ConnectionKind<?> kind, String stateKey, ObjectNode content)
      throws IOException {
    try {
      gateway.putState(roomId, kind.eventType(), stateKey, content);
    } catch (IOException | RuntimeException e) {
      connections.cancelOwnWrite(roomId, kind, stateKey);
      throw e;
    }
  }
}

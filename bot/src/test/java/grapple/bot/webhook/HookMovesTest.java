package grapple.bot.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.Connection;
import grapple.state.ConnectionId;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Json;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hook moving to the room that replaced its room (an upgrade) keeps its URL, and the URL finds a
 * live hook at every step of the move: a request in the middle of it is never answered 404.
 */
class HookMovesTest {
  private static final String OLD = "!old:test";
  private static final String NEW = "!new:test";
  private static final String TYPE = "uk.half-shot.matrix-hookshot.generic.hook";
  private static final Connection.Audit AUDIT =
      new Connection.Audit("@admin:test", null, Instant.EPOCH);

  @TempDir Path dir;
  private Database db;
  private ConnectionStore store;
  private Hooks hooks;

  @BeforeEach
  void open() {
    db = Database.open(dir.resolve("grapple.db"));
    store = new ConnectionStore(db);
    hooks =
        new Hooks(
            WebhookSettingsTest.settings("generic: {urlPrefix: \"http://hooks.test/webhook/\"}"),
            new HookIds(store),
            Clock.systemUTC());
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static Connection in(String room) {
    return new Connection(
        ConnectionId.of(room, TYPE, "ci"),
        room,
        Hooks.TYPE,
        TYPE,
        "ci",
        Json.object().put("name", "ci"),
        AUDIT,
        AUDIT);
  }

  private Hooks.Hook open(Connection c) {
    return (Hooks.Hook) hooks.open(c, hooks.parse("ci", c.config()), false);
  }

  /** {@code c} stored, then opened as a start or a reload opens it. */
  private Hooks.Hook storedAndOpened(Connection c) {
    store.put(c);
    return open(c);
  }

  /** The secret hook id at the end of the hook's URL. */
  private static String hookIdOf(Hooks.Hook hook) {
    String url = hook.url();
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** The room of the hook the id leads to, looked up in memory and as a database lookup would. */
  private String roomOf(String hookId) {
    Optional<Hooks.Hook> known = hooks.knownByHookId(hookId);
    Optional<Hooks.Hook> stored = hooks.byHookId(hookId);
    assertThat(known).as("found in memory").isPresent();
    assertThat(stored).as("found by the lookup that may read the database").isPresent();
    assertThat(stored.get()).isSameAs(known.get());
    return known.get().connection().roomId();
  }

  /** The id leads to no hook, in memory or by the lookup that may read the database. */
  private void assertFindsNothing(String hookId) {
    assertThat(hooks.knownByHookId(hookId)).as("found in memory").isEmpty();
    assertThat(hooks.byHookId(hookId)).as("found by the lookup").isEmpty();
  }

  /**
   * The steps of a move, in the order the leader makes them and another instance takes them from
   * the change log: stored, opened in the new room, closed in the old one.
   */
  @Test
  void theUrlFindsALiveHookAtEveryStepOfTheMove() {
    Connection old = in(OLD);
    Hooks.Hook oldHook = storedAndOpened(old);
    String url = oldHook.url();
    String hookId = hookIdOf(oldHook);
    assertThat(roomOf(hookId)).isEqualTo(OLD);

    Connection moved = in(NEW);
    assertThat(store.move(old, moved, List.of())).isTrue();
    assertThat(roomOf(hookId)).isEqualTo(OLD);

    Hooks.Hook newHook = open(moved);
    assertThat(roomOf(hookId)).as("the new room's hook takes the id over").isEqualTo(NEW);

    oldHook.closed(false);
    assertThat(roomOf(hookId)).isEqualTo(NEW);
    assertThat(newHook.url()).as("the same URL").isEqualTo(url);
  }

  /**
   * Another instance removed the hook and made one of the same name again, and this instance reads
   * both changes at once (one reload): the hook it opens is the new one, with the new URL; the
   * removed hook's URL finds nothing here either.
   */
  @Test
  void aHookRemovedAndMadeAgainElsewhereGetsTheNewUrlHere() {
    Connection first = in(OLD);
    Hooks.Hook before = storedAndOpened(first);
    String oldId = hookIdOf(before);

    // The other instance: removed, then made again (same id, created later), with a new URL.
    store.remove(OLD, first.id());
    Connection.Audit later =
        new Connection.Audit("@admin:test", null, Instant.EPOCH.plusSeconds(60));
    Connection again =
        new Connection(
            first.id(), OLD, Hooks.TYPE, TYPE, "ci", Json.object().put("name", "ci"), later, later);
    store.put(again);
    String newId = new HookIds(store).hookIdFor(again.id());
    assertThat(newId).isNotEqualTo(oldId);

    // Here, as a reload opens it: the new one first, then the one it replaces is closed.
    Hooks.Hook after = open(again);
    before.closed(true);

    assertThat(after.url()).as("the new URL").endsWith("/" + newId);
    assertFindsNothing(oldId);
    assertThat(roomOf(newId)).isEqualTo(OLD);
  }

  /** A hook removed for good lets go of its URL: the id finds nothing. */
  @Test
  void aRemovedHooksUrlFindsNothing() {
    Connection c = in(OLD);
    Hooks.Hook hook = storedAndOpened(c);
    String hookId = hookIdOf(hook);

    store.remove(OLD, c.id());
    hook.closed(false);

    assertFindsNothing(hookId);
  }
}

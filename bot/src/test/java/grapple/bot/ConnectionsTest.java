package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.room.RoomEvent;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Json;
import grapple.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionsTest {
  @TempDir Path dir;

  /** A kind that only records what it is told. */
  private static final class RecordingKind implements ConnectionKind<ObjectNode> {
    final List<String> opened = new ArrayList<>();

    @Override
    public String name() {
      return "Recorded";
    }

    @Override
    public String service() {
      return "recorded";
    }

    @Override
    public String eventType() {
      return "org.example.recorded";
    }

    @Override
    public ObjectNode parse(String stateKey, ObjectNode content) {
      return content.deepCopy();
    }

    @Override
    public String stateKeyFor(ObjectNode content) {
      return "k";
    }

    @Override
    public Optional<String> commandPrefix(ObjectNode config) {
      return config.hasNonNull("commandPrefix")
          ? Optional.of(config.get("commandPrefix").asText())
          : Optional.empty();
    }

    @Override
    public LiveConnection open(Connection connection, ObjectNode config, boolean created) {
      opened.add(connection.stateKey() + (created ? " (created)" : ""));
      return () -> "recorded";
    }
  }

  /** {@code userId}'s change to the connection {@code raced} as {@code read} had it. */
  private static void changeRaced(TestHub hub, Active read, String userId) throws IOException {
    hub.changes.update(
        read, Json.object().put("name", "raced").put("x", 1), Changes.Actor.user(userId));
  }

  /** A hub with only the recording kind. */
  /** The connection {@code raced} in {@code !r:test}, created by {@code userId}. */
  private static Active raced(TestHub hub, RecordingKind kind, String userId) throws IOException {
    return hub.changes
        .create(
            "!r:test",
            kind,
            "raced",
            Json.object().put("name", "raced"),
            Changes.Actor.user(userId))
        .active();
  }

  private static TestHub hub(Path dir, RecordingKind kind) {
    TestHub hub = new TestHub(dir, List.of(), "", List.of());
    hub.connections.kinds().add(List.of(kind));
    return hub;
  }

  @Test
  void loadingOpensEachStoredConnectionWithItsKind() {
    RecordingKind kind = new RecordingKind();
    try (Database db = Database.open(dir.resolve("grapple.db"))) {
      ConnectionStore store = new ConnectionStore(db);
      for (String key : List.of("a", "b")) {
        store.put(
            Connection.create(
                "!r:test",
                kind.name(),
                kind.eventType(),
                key,
                Json.object(),
                new Connection.Audit("@u:test", Instant.now())));
      }
    }
    try (TestHub hub = hub(dir, kind)) {
      hub.connections.load();

      assertThat(kind.opened).containsExactlyInAnyOrder("a", "b");
      assertThat(hub.connections.inRoom("!r:test")).hasSize(2);
    }
  }

  /**
   * A connection stored before the bot refused prefixes like its own is kept working, and the
   * operator is told that each message on it is answered twice, and how to mend it.
   */
  @Test
  void aStoredConnectionWithTheBotsOwnPrefixIsLoadedAndTheOperatorWarned() {
    RecordingKind kind = new RecordingKind();
    try (Database db = Database.open(dir.resolve("grapple.db"))) {
      new ConnectionStore(db)
          .put(
              Connection.create(
                  "!r:test",
                  kind.name(),
                  kind.eventType(),
                  "old",
                  Json.object().put("commandPrefix", "!hookshot"),
                  new Connection.Audit("@u:test", Instant.now())));
    }
    try (TestHub hub = hub(dir, kind);
        LogCapture log = LogCapture.of(Connections.class)) {
      hub.connections.load();

      assertThat(kind.opened).containsExactly("old");
      assertThat(log.messages())
          .anySatisfy(
              m ->
                  assertThat(m)
                      .contains("room !r:test: Recorded 'old' has the commandPrefix `!hookshot`")
                      .contains("answered twice"));
    }
  }

  /**
   * A change that read the connection before a removal went through (an API PATCH racing a DELETE)
   * is refused: written, it would bring the connection back with secrets nobody is told.
   */
  @Test
  void aChangeOfAConnectionRemovedMeanwhileIsRefusedAndWritesNothing() throws Exception {
    RecordingKind kind = new RecordingKind();
    try (TestHub hub = hub(dir, kind)) {
      Active read = raced(hub, kind, "@admin:test");
      hub.changes.remove(read, "@admin:test");
      int writes = hub.gateway.stateWrites().size();

      assertThatThrownBy(() -> changeRaced(hub, read, "@admin:test"))
          .isInstanceOf(Changes.Gone.class)
          .hasMessageContaining("was removed meanwhile");
      assertThat(hub.gateway.stateWrites()).hasSize(writes);
      assertThat(hub.connections.inRoom("!r:test")).isEmpty();
    }
  }

  /**
   * A change made from what the connection was before a room admin edited its state event (an API
   * PATCH that read the connection, then the admin's edit came in) is refused: written, the merge
   * into the old content would silently undo the admin's edit.
   */
  @Test
  void aChangeMadeFromContentARoomAdminChangedMeanwhileIsRefusedAndWritesNothing()
      throws Exception {
    RecordingKind kind = new RecordingKind();
    try (TestHub hub = new TestHub(dir, List.of(), "", TestHub.EVERYONE_ADMIN)) {
      hub.connections.kinds().add(List.of(kind));
      Active read = raced(hub, kind, "@api:test");
      ObjectNode adminEdit = Json.object().put("name", "raced").put("label", "admin's");
      hub.connections.onState(
          new RoomEvent.State(
              "!r:test", "$admin", "@roomadmin:test", kind.eventType(), "raced", adminEdit),
          false);
      int writes = hub.gateway.stateWrites().size();

      assertThatThrownBy(() -> changeRaced(hub, read, "@api:test"))
          .isInstanceOfSatisfying(
              Changes.ChangedMeanwhile.class,
              e ->
                  assertThat(e.existing().orElseThrow().connection().config()).isEqualTo(adminEdit))
          .hasMessageContaining("was changed meanwhile by @roomadmin:test");
      assertThat(hub.gateway.stateWrites()).hasSize(writes);
      assertThat(hub.connections.inRoom("!r:test").get(0).connection().config())
          .isEqualTo(adminEdit);

      // Made from the content in effect, the same change goes through.
      Active current = hub.connections.inRoom("!r:test").get(0);
      hub.changes.update(
          current, adminEdit.deepCopy().put("x", 1), Changes.Actor.user("@api:test"));
      assertThat(
              hub.connections.inRoom("!r:test").get(0).connection().config().path("label").asText())
          .isEqualTo("admin's");
    }
  }

  @Test
  void theLateEchoOfAWriteThatALaterWriteUndidBringsNothingBack() throws Exception {
    RecordingKind kind = new RecordingKind();
    try (TestHub hub = hub(dir, kind)) {
      ObjectNode content = Json.object().put("name", "doomed");
      Active created =
          hub.changes
              .create("!r:test", kind, "doomed", content, Changes.Actor.user("@admin:test"))
              .active();
      hub.changes.remove(created, "@admin:test");
      String bot = hub.gateway.botUserId();

      // The homeserver's echoes of both writes arrive after both were done, in order.
      hub.connections.onState(
          new RoomEvent.State("!r:test", "$1", bot, kind.eventType(), "doomed", content), false);
      assertThat(hub.connections.inRoom("!r:test")).isEmpty();
      hub.connections.onState(
          new RoomEvent.State("!r:test", "$2", bot, kind.eventType(), "doomed", Json.object()),
          false);
      assertThat(hub.connections.inRoom("!r:test")).isEmpty();

      // Caught up: state the bot wrote that the hub does not know (e.g. before a restart) is taken
      // in.
      hub.connections.onState(
          new RoomEvent.State("!r:test", "$3", bot, kind.eventType(), "doomed", content), false);
      assertThat(hub.connections.inRoom("!r:test"))
          .extracting(Active::stateKey)
          .containsExactly("doomed");
    }
  }
}

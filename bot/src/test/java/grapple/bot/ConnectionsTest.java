package grapple.bot;

import grapple.bot.room.RoomEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.Router;
import grapple.bot.outbox.Outbox;
import grapple.commands.Command;
import grapple.commands.Permissions;
import grapple.state.Connection;
import grapple.state.ConnectionStore;
import grapple.state.Database;
import grapple.state.Json;
import grapple.state.OutboxStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionsTest {
  @TempDir Path dir;

  /** A type that only records what it is told. */
  private static final class RecordingType implements ConnectionType {
    final List<String> loaded = new ArrayList<>();

    @Override public String name() { return "Recorded"; }
    @Override public String eventType() { return "org.example.recorded"; }
    @Override public List<String> legacyEventTypes() { return List.of(); }
    @Override public String service() { return "recorded"; }
    @Override public List<Command> commands(Connections connections) { return List.of(); }
    @Override public void routes(Router router, Connections connections) { }
    @Override public String stateKeyFor(ObjectNode content) { return "k"; }
    @Override public Map<String, String> secrets(Connection connection) { return Map.of(); }
    @Override public void validate(String stateKey, ObjectNode content) { }
    @Override public Optional<String> applied(Optional<Connection> previous, Connection current) { return Optional.empty(); }
    @Override public void loaded(Connection connection) { loaded.add(connection.stateKey()); }
    @Override public void removed(Connection connection) { }
    @Override public String summary(Connection connection) { return ""; }
  }

  @Test
  void loadingHandsEachStoredConnectionToItsType() {
    RecordingType type = new RecordingType();
    try (Database db = Database.open(dir.resolve("grapple.db"))) {
      ConnectionStore store = new ConnectionStore(db);
      for (String key : List.of("a", "b")) {
        store.put(Connection.create("!r:test", type.name(), type.eventType(), key, Json.object(),
            new Connection.Audit("@u:test", Instant.now())));
      }
      FakeGateway gateway = new FakeGateway();
      Outbox outbox = new Outbox(new OutboxStore(db), gateway, 1, Duration.ofSeconds(1));
      Connections connections = new Connections(store, new ConnectionTypes(List.of(type)), gateway,
          new Permissions(List.of()), outbox);

      connections.load();

      assertThat(type.loaded).containsExactlyInAnyOrder("a", "b");
      assertThat(connections.inRoom("!r:test")).hasSize(2);
      outbox.close();
    }
  }

  @Test
  void theLateEchoOfAWriteThatALaterWriteUndidBringsNothingBack() throws Exception {
    RecordingType type = new RecordingType();
    try (Database db = Database.open(dir.resolve("grapple.db"))) {
      FakeGateway gateway = new FakeGateway();
      Outbox outbox = new Outbox(new OutboxStore(db), gateway, 1, Duration.ofSeconds(1));
      Connections connections = new Connections(new ConnectionStore(db), new ConnectionTypes(List.of(type)), gateway,
          new Permissions(List.of()), outbox);
      ObjectNode content = Json.object().put("name", "doomed");
      Connection created = connections.create("!r:test", type, "doomed", content,
          Connections.Actor.user("@admin:test")).connection();
      connections.remove(created, "@admin:test");

      // The homeserver's echoes of both writes arrive after both were done, in order.
      connections.onState(new RoomEvent.State("!r:test", "$1", gateway.botUserId(), type.eventType(), "doomed", content));
      assertThat(connections.inRoom("!r:test")).isEmpty();
      connections.onState(new RoomEvent.State("!r:test", "$2", gateway.botUserId(), type.eventType(), "doomed",
          Json.object()));
      assertThat(connections.inRoom("!r:test")).isEmpty();

      // Caught up: state the bot wrote that the hub does not know (e.g. before a restart) is taken in.
      connections.onState(new RoomEvent.State("!r:test", "$3", gateway.botUserId(), type.eventType(), "doomed", content));
      assertThat(connections.inRoom("!r:test")).extracting(Connection::stateKey).containsExactly("doomed");
      outbox.close();
    }
  }
}

package grapple.bot;

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
}

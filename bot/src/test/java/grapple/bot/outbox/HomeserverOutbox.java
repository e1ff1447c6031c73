package grapple.bot.outbox;

import grapple.bot.Grapple;
import grapple.bot.config.ConfigLoader;
import grapple.bot.matrix.DirectRoomStore;
import grapple.bot.matrix.MatrixGateway;
import grapple.bot.matrix.SyncStore;
import grapple.state.Database;
import grapple.state.KeyValueStore;
import grapple.state.OutboxStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import mockwebserver3.MockWebServer;

/** The bot's outbox delivering through the real Matrix client to a fake homeserver. */
final class HomeserverOutbox {
  private HomeserverOutbox() {}

  /**
   * An outbox on {@code db}, not yet started, that sends to {@code homeserver} as {@code
   * @bot:test} (access token {@code tok}) with {@code concurrency} rooms at once, trying again
   * after 200 ms; {@code dir} is the config's directory.
   */
  static Outbox on(Database db, MockWebServer homeserver, Path dir, int concurrency) {
    MatrixGateway gateway =
        new MatrixGateway(
            ConfigLoader.parse(
                """
                homeserver: {url: "%s", domain: test}
                bot: {userId: "@bot:test", accessToken: "tok"}
                """
                    .formatted(homeserver.url("/")),
                dir,
                Map.of(),
                Grapple.configSections()),
            new MatrixGateway.Stores(
                new SyncStore(db), new KeyValueStore(db), new DirectRoomStore(db)),
            (room, user) -> true);
    return new Outbox(new OutboxStore(db), gateway, concurrency, Duration.ofMillis(200));
  }
}

package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.config.Config;
import grapple.bot.config.ConfigLoader;
import grapple.bot.config.ServiceSettings;
import grapple.bot.config.TestConfig;
import grapple.bot.console.ConsoleGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrappleTest {
  @Test
  void everyWebhookPathIsMaskedInLogsEvenWithAnEmptySegment() {
    assertThat(Grapple.maskPath(Grapple.services(), "/webhook/s3cr3t")).isEqualTo("/webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/webhook//s3cr3t")).isEqualTo("/webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/webhook/s3cr3t/extra"))
        .isEqualTo("/webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/v1/health")).isEqualTo("/v1/health");
  }

  /** The core takes redactions of connection state whichever services run. */
  @Test
  void theSyncAlwaysTakesRedactionsBesideWhatServicesAskFor() {
    assertThat(Grapple.rawEventTypes(List.of())).containsExactly("m.room.redaction");
    assertThat(Grapple.rawEventTypes(List.of(List.of("*"), List.of("m.room.redaction"))))
        .containsExactly("m.room.redaction", "*");
  }

  /**
   * The sync asks for encryption state, or a room the bot joined encrypted (Element's default for a
   * private room) or that turned encryption on was never told that commands there go unanswered.
   */
  @Test
  void theSyncTakesEncryptionState() {
    assertThat(Grapple.stateTypes(new Kinds())).contains("m.room.encryption");
  }

  @Test
  void aHookIdOnTheLegacyRootPathIsMaskedButHealthChecksAreNot() {
    assertThat(Grapple.maskPath(Grapple.services(), "/s3cr3t")).isEqualTo("/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/live")).isEqualTo("/live");
    assertThat(Grapple.maskPath(Grapple.services(), "/ready")).isEqualTo("/ready");
    assertThat(Grapple.maskPath(Grapple.services(), "/")).isEqualTo("/");
    assertThat(Grapple.maskPath(Grapple.services(), "/oauth/github")).isEqualTo("/oauth/github");
  }

  @Test
  void aWebhookPathBehindAnUnstrippedPrefixIsMaskedToo() {
    // A proxy that forwards /hooks/webhook/<id> unchanged (or a doubled slash) gets 404s, and
    // each live hook id was written to the access log as it came.
    assertThat(Grapple.maskPath(Grapple.services(), "/hooks/webhook/s3cr3t"))
        .isEqualTo("/hooks/webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "//webhook/s3cr3t")).isEqualTo("//webhook/***");
    assertThat(Grapple.maskPath(Grapple.services(), "/github/webhook"))
        .isEqualTo("/github/webhook");
  }

  /**
   * A step of the stop that fails (here a service's) is logged and the stop goes on: it ended the
   * stop there, and the database was left open, its file's lock held, while the process exited 0.
   */
  @Test
  void aStepOfTheStopThatFailsDoesNotKeepTheDatabaseOpen(@TempDir Path dir) throws Exception {
    List<Service> services = new ArrayList<>(Grapple.services());
    services.add(new FailingToClose());
    Grapple app =
        Grapple.start(
            ConfigLoader.parse(
                TestConfig.local(dir, "a-provisioning-secret-0123", "failing: {}"),
                dir,
                Map.of(),
                Grapple.configSections(services)),
            ConsoleGateway.headless(System.out),
            services);

    app.close();

    assertTheDatabasesLockIsLetGo(dir);
  }

  /** This process can take the lock of the database in {@code dir}: no one holds it. */
  private static void assertTheDatabasesLockIsLetGo(Path dir) throws IOException {
    try (FileChannel lock =
            FileChannel.open(
                dir.resolve("grapple.db.lock").toAbsolutePath(), StandardOpenOption.WRITE);
        FileLock again = lock.tryLock()) {
      assertThat(again).as("the database's lock, let go").isNotNull();
    }
  }

  /** A service whose close fails. */
  private static final class FailingToClose extends AbstractService<FailingToClose.Settings> {
    record Settings(boolean enabled) implements ServiceSettings {}

    FailingToClose() {
      super(
          new ServiceInfo("failing", "failing", Set.of(), List.of(), List.of(), List.of()),
          (section, config) -> {
            section.finish();
            return new Settings(true);
          },
          Settings.class);
    }

    @Override
    protected Running run(Settings settings, ServiceContext context) {
      return new KindlessRunning() {
        @Override
        public void close() {
          throw new IllegalStateException("cannot close");
        }
      };
    }
  }

  /**
   * SIGTERM while start-up retries an unreachable homeserver interrupts it (Main's hook): start-up
   * then closes what it had opened, the listeners' ports and the database's lock included.
   */
  @Test
  void anInterruptedStartupWaitingForTheHomeserverClosesWhatItOpened(@TempDir Path dir)
      throws Exception {
    // The homeserver's port takes the first try and hangs up, then is closed: start-up retries.
    ServerSocket homeserver = new ServerSocket(0);
    int unreachable = homeserver.getLocalPort();
    CompletableFuture<Void> tried =
        CompletableFuture.runAsync(
            () -> {
              try (homeserver;
                  Socket first = homeserver.accept()) {
                first.getInputStream().read();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    Config config =
        ConfigLoader.parse(
            TestConfig.matrix(
                "http://127.0.0.1:" + unreachable, "tok", dir.resolve("grapple.db"), ""),
            dir,
            Map.of(),
            Grapple.configSections());
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    Thread starting =
        new Thread(
            () -> {
              try {
                Grapple.start(config, ConsoleGateway.headless(System.out)).close();
                failed.complete(new AssertionError("started without a homeserver"));
              } catch (Exception e) {
                failed.complete(e);
              }
            });
    starting.start();
    tried.get(60, TimeUnit.SECONDS); // in the retry loop: the listeners are open

    starting.interrupt();

    assertThat(failed.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    // The lock is let go: this process can take it again (it could not while held here).
    assertTheDatabasesLockIsLetGo(dir);
  }
}

package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.config.Config;
import grapple.bot.config.ConfigLoader;
import grapple.bot.config.Section;
import grapple.bot.config.ServiceSettings;
import grapple.bot.config.TestConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator relies on, on a whole Grapple in local mode: {@code /live}, {@code /ready} and
 * the metrics that mirror them, and a stop that closes everything.
 */
class OperatorHealthTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Worker worker = new Worker();
  private Grapple app;

  @AfterEach
  void stop() {
    if (app != null) app.close();
  }

  @Test
  void aDeadThreadTurnsGrappleReadyToZeroAsItTurnsReadyTo503() throws Exception {
    start();
    assertThat(get(app.webhookPort(), "/ready").statusCode()).isEqualTo(200);
    assertThat(get(app.metricsPort(), "/metrics").body()).contains("grapple_ready 1.0");

    worker.alive.set(false);

    HttpResponse<String> ready = get(app.webhookPort(), "/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("the test worker thread has died");
    // An alert on the metric sees what the load balancer sees.
    assertThat(get(app.metricsPort(), "/metrics").body())
        .contains("grapple_ready 0.0")
        .doesNotContain("grapple_ready 1.0");
  }

  private void start() throws Exception {
    List<Service> services = new ArrayList<>(Grapple.services());
    services.add(worker);
    String yaml = TestConfig.local(dir, "operator-secret-0123456789", "");
    app =
        Grapple.start(
            ConfigLoader.parse(yaml, dir, Map.of(), Grapple.configSections(services)),
            new ScriptedConsole(),
            services);
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A service with one thread the watchdog watches, alive until a test says otherwise. */
  private static final class Worker extends AbstractService<Worker.Settings> {
    final AtomicBoolean alive = new AtomicBoolean(true);

    record Settings(boolean enabled) implements ServiceSettings {
      static Settings read(Section s, Config config) {
        boolean enabled = s.bool("enabled", true);
        s.finish();
        return new Settings(enabled);
      }
    }

    Worker() {
      super(
          new ServiceInfo(
              "worker", "a test worker", Set.of(), List.of(), List.of(), List.of(), List.of()),
          Settings::read,
          Settings.class);
    }

    @Override
    protected Running run(Settings settings, ServiceContext context) {
      return new KindlessRunning() {
        @Override
        public Map<String, BooleanSupplier> threads() {
          return Map.of("test worker", alive::get);
        }
      };
    }
  }
}

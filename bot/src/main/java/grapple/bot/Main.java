package grapple.bot;

import ch.qos.logback.classic.Level;
import grapple.bot.config.Config;
import grapple.bot.config.ConfigException;
import grapple.bot.config.ConfigLoader;
import grapple.bot.console.ConsoleGateway;
import grapple.bot.console.TerminalConsole;
import grapple.bot.room.LoginFailed;
import grapple.state.Fatal;
import grapple.state.StorageException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar grapple.jar [--config PATH] [--no-console]}: starts Grapple until SIGTERM. */
public final class Main {
  static final int EXIT_CONFIG = 2;
  static final int EXIT_STARTUP = 1;
  private static final String USAGE = """
      Usage: java -jar grapple.jar [--config PATH] [--no-console] [--help]

        --config PATH   the YAML config (default: config.yml); see config.sample.yml
        --no-console    in local mode, run headless: no console input, output still printed
        --help          show this help

      With homeserver.url set, Grapple logs in as bot.userId and serves the rooms it is invited to.
      Without it (local mode), it opens a console room: each line you type is a message from
      @console:<domain>, an admin. Stop with SIGTERM (Ctrl-C).""";

  private Main() {}

  /** The parsed command line. */
  record Options(Path config, boolean console, boolean help) {
    static Options parse(String[] args) {
      Path config = Path.of("config.yml");
      boolean console = true;
      boolean help = false;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--config" -> {
            if (i + 1 >= args.length) throw new IllegalArgumentException("--config needs a path");
            config = Path.of(args[++i]);
          }
          case "--no-console" -> console = false;
          case "--help", "-h" -> help = true;
          default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
        }
      }
      return new Options(config, console, help);
    }
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("grapple: " + e.getMessage() + "\n\n" + USAGE);
      System.exit(EXIT_CONFIG);
      return;
    }
    if (options.help()) {
      System.out.println(USAGE);
      return;
    }
    System.exit(run(options));
  }

  static int run(Options options) {
    Config config;
    try {
      config = ConfigLoader.load(options.config(), System.getenv(), Grapple.configSections());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return EXIT_CONFIG;
    }
    setLogLevel(config.logging().level());
    Logger log = LoggerFactory.getLogger(Main.class);
    Thread.setDefaultUncaughtExceptionHandler((thread, failure) -> {
      Fatal.haltIfFatal(failure);
      log.error("thread {} died", thread.getName(), failure);
    });
    Grapple app;
    try {
      app = Grapple.start(config, console(config, options));
    } catch (StorageException | LoginFailed | IOException e) {
      log.error("cannot start: {}", e.getMessage());
      System.err.println("grapple: cannot start: " + e.getMessage());
      return EXIT_STARTUP;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EXIT_STARTUP;
    }
    awaitTermination(app);
    return 0;
  }

  private static ConsoleGateway.Console console(Config config, Options options) throws IOException {
    if (!config.localMode() || !options.console()) return ConsoleGateway.headless(System.out);
    if (System.console() != null) return TerminalConsole.open();
    return ConsoleGateway.plain(System.in, System.out);
  }

  /** Blocks until SIGTERM or SIGINT, then shuts down cleanly so the process exits 0. */
  private static void awaitTermination(Grapple app) {
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // A signal's default exit status is 128+n; a clean shutdown after SIGTERM reports 0.
      Runtime.getRuntime().halt(0);
    }, "shutdown"));
    try {
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      app.close();
    } finally {
      stopped.countDown();
    }
  }

  private static void setLogLevel(String level) {
    org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(Level.toLevel(level, Level.INFO));
    org.slf4j.Logger http = LoggerFactory.getLogger("okhttp3");
    if (http instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(Level.INFO);
    // Jetty's debug lines carry full request URIs, and a webhook's URI is its secret: never below WARN.
    org.slf4j.Logger jetty = LoggerFactory.getLogger("org.eclipse.jetty");
    if (jetty instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(Level.WARN);
    // A line per webhook or scrape is noise at thousands a second: shown only at debug.
    boolean verbose = level.equals("debug") || level.equals("trace");
    for (String name : new String[] {"access.webhooks", "access.metrics"}) {
      org.slf4j.Logger access = LoggerFactory.getLogger(name);
      if (access instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(verbose ? Level.INFO : Level.WARN);
    }
  }
}

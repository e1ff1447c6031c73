package grapple.bot;

import ch.qos.logback.classic.Level;
import grapple.bot.config.Config;
import grapple.bot.config.ConfigException;
import grapple.bot.config.ConfigLoader;
import grapple.bot.console.ConsoleGateway;
import grapple.bot.console.PromptLog;
import grapple.bot.console.TerminalConsole;
import grapple.bot.room.LoginFailed;
import grapple.state.Fatal;
import grapple.state.StorageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar grapple.jar [--config PATH] [--no-console] ...}: starts Grapple until SIGTERM or
 * Ctrl-C.
 */
public final class Main {
  static final int EXIT_CONFIG = 2;
  static final int EXIT_STARTUP = 1;
  private static final String USAGE =
      """
      Usage: java -jar grapple.jar [--config PATH] [--no-console] [--check-config] [--version] [--help]
             java -jar grapple.jar db copy --from <sqlite file> --to <postgresql url> [--config FILE]
             java -jar grapple.jar api <method> [name:value ...]   (the JSON-RPC client; api --help)

        --config PATH   the YAML config (default: config.yml); also --config=PATH; see config.sample.yml
        --no-console    in local mode, run headless: no console input, output still printed
        --check-config  validate the config and exit: 0 if it is valid, 2 with one line per problem
        --version       print the version and exit
        --help          show this help

      With homeserver.url set, Grapple logs in as bot.userId and serves the rooms it is invited to.
      Without it (local mode), it opens a console room: each line you type is a message from
      @console:<domain>, an admin. Stop with SIGTERM or Ctrl-C (a clean stop, exit status 0).""";

  private Main() {}

  /** The parsed command line. */
  record Options(Path config, boolean console, Action action) {
    /**
     * What the run does: start the bot, or only check the config, print the version or the help.
     */
    enum Action {
      RUN,
      CHECK_CONFIG,
      VERSION,
      HELP
    }

    static Options parse(String[] args) {
      Path config = Path.of("config.yml");
      boolean console = true;
      Action action = Action.RUN;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.startsWith("--config=")) {
          config = path(arg.substring("--config=".length()));
          continue;
        }
        switch (arg) {
          case "--config" -> {
            if (i + 1 >= args.length || CliArgs.isOption(args[i + 1]))
              throw new IllegalArgumentException("--config needs a path");
            config = path(args[++i]);
          }
          case "--no-console" -> console = false;
          case "--check-config" -> action = Action.CHECK_CONFIG;
          case "--version", "-V" -> action = Action.VERSION;
          case "--help", "-h" -> action = Action.HELP;
          default -> throw new IllegalArgumentException(unknown(arg));
        }
      }
      return new Options(config, console, action);
    }

    /** A word that is no option: a config file given without --config is the likely mistake. */
    private static String unknown(String arg) {
      if (arg.startsWith("-")) return "unknown option '" + arg + "'";
      boolean yaml = arg.endsWith(".yml") || arg.endsWith(".yaml");
      return "unexpected argument '"
          + arg
          + "'"
          + (yaml
              ? " (the config file is given as --config " + arg + ")"
              : " (the commands db and api come first; everything else is an option)");
    }

    private static Path path(String value) {
      if (value.isEmpty()) throw new IllegalArgumentException("--config needs a path");
      return Path.of(value);
    }
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("api")) {
      System.exit(
          grapple.bot.rpc.ApiCli.run(
              java.util.Arrays.asList(args).subList(1, args.length),
              System.getenv(),
              System.out,
              System.err));
      return;
    }
    if (args.length > 0 && args[0].equals("db")) {
      System.exit(
          DatabaseCommand.run(
              java.util.Arrays.asList(args).subList(1, args.length),
              System.getenv(),
              System.out,
              System.err));
      return;
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("grapple: " + e.getMessage() + "\n\n" + USAGE);
      System.exit(EXIT_CONFIG);
      return;
    }
    switch (options.action()) {
      case HELP -> System.out.println(USAGE);
      case VERSION -> System.out.println("grapple " + version(Main.class.getPackage()));
      case CHECK_CONFIG -> System.exit(checkConfig(options.config(), System.out, System.err));
      case RUN -> System.exit(run(options));
    }
  }

  /**
   * The version in the jar's manifest, or {@code development} when run from classes (tests, an
   * IDE).
   */
  static String version(@Nullable Package pkg) {
    String version = pkg == null ? null : pkg.getImplementationVersion();
    return version == null || version.isBlank() ? "development" : version;
  }

  /**
   * Validates the config without starting anything: 0 if valid, 2 with the problems on {@code err}.
   */
  static int checkConfig(Path file, PrintStream out, PrintStream err) {
    Config config;
    try {
      config = ConfigLoader.load(file, System.getenv(), Grapple.configSections());
    } catch (ConfigException e) {
      err.println(e.getMessage());
      e.warnings().forEach(err::println);
      return EXIT_CONFIG;
    }
    config.warnings().forEach(err::println);
    String mode = config.localMode() ? "local mode" : "homeserver " + config.homeserver().url();
    out.println("config: " + file + " is valid (" + mode + ", bot " + config.bot().userId() + ")");
    return 0;
  }

  static int run(Options options) {
    Config config;
    try {
      config = ConfigLoader.load(options.config(), System.getenv(), Grapple.configSections());
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      e.warnings().forEach(System.err::println);
      return EXIT_CONFIG;
    }
    setLogLevel(config.logging().level());
    Logger log = LoggerFactory.getLogger(Main.class);
    config.warnings().forEach(warning -> log.warn("{}", warning));
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, failure) -> {
          Fatal.haltIfFatal(failure);
          log.error("thread {} died", thread.getName(), failure);
        });
    Shutdown shutdown = Shutdown.install();
    try {
      return run(config, options, shutdown);
    } finally {
      shutdown.failed(EXIT_STARTUP); // when something unexpected was thrown
    }
  }

  /** Starts, then runs until SIGTERM or SIGINT, then shuts down cleanly so the process exits 0. */
  private static int run(Config config, Options options, Shutdown shutdown) {
    Grapple app;
    try {
      app = Grapple.start(config, console(config, options));
    } catch (StorageException | LoginFailed | IOException e) {
      if (shutdown.startupOver()) return stoppedDuringStartup(shutdown);
      // One line on stderr, where the log goes too: logging it as well would print it twice.
      System.err.println("grapple: cannot start: " + e.getMessage());
      return shutdown.failed(EXIT_STARTUP);
    } catch (InterruptedException e) {
      if (shutdown.startupOver()) return stoppedDuringStartup(shutdown);
      Thread.currentThread().interrupt();
      return shutdown.failed(EXIT_STARTUP);
    }
    shutdown.startupOver();
    shutdown.awaitStop(); // at once if the signal came as start-up returned
    try {
      app.close();
    } finally {
      shutdown.finish(0);
    }
    return 0;
  }

  /** Start-up undid what it had started (listeners, services, the database) when interrupted. */
  private static int stoppedDuringStartup(Shutdown shutdown) {
    LoggerFactory.getLogger(Main.class).info("stopped during start-up");
    return shutdown.finish(0);
  }

  // Java 17-21: console() is null unless stdin and stdout are a terminal. From 22 on it never is,
  // and
  // Console.isTerminal() (22) says so instead; it does not exist at release 17.
  @SuppressWarnings("SystemConsoleNull")
  private static ConsoleGateway.Console console(Config config, Options options) throws IOException {
    if (!config.localMode() || !options.console()) return ConsoleGateway.headless(System.out);
    if (System.console() != null) {
      // Ctrl-C stops the bot as SIGTERM does: System.exit runs the shutdown hook, which exits 0.
      TerminalConsole terminal = TerminalConsole.open(() -> System.exit(0));
      PromptLog.install(terminal);
      return terminal;
    }
    return ConsoleGateway.plain(System.in, System.out);
  }

  private static void setLogLevel(String level) {
    org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logback)
      logback.setLevel(Level.toLevel(level, Level.INFO));
    org.slf4j.Logger http = LoggerFactory.getLogger("okhttp3");
    if (http instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(Level.INFO);
    // Jetty's debug lines carry full request URIs, and a webhook's URI is its secret: never below
    // WARN.
    org.slf4j.Logger jetty = LoggerFactory.getLogger("org.eclipse.jetty");
    if (jetty instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(Level.WARN);
    // A line per webhook or scrape is noise at thousands a second: shown only at debug.
    boolean verbose = level.equals("debug") || level.equals("trace");
    for (String name : new String[] {"access.webhooks", "access.metrics"}) {
      org.slf4j.Logger access = LoggerFactory.getLogger(name);
      if (access instanceof ch.qos.logback.classic.Logger logback)
        logback.setLevel(verbose ? Level.INFO : Level.WARN);
    }
  }
}

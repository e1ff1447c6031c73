package grapple.bot;

import grapple.bot.config.Config;
import grapple.bot.config.ConfigException;
import grapple.bot.config.ConfigLoader;
import grapple.state.BadInput;
import grapple.state.Database;
import grapple.state.DatabaseCopy;
import grapple.state.Location;
import grapple.state.Migration;
import grapple.state.SecretBox;
import grapple.state.StorageException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code java -jar grapple.jar db copy --from <sqlite file> --to <postgresql url> [--config FILE]}:
 * moves an installation to PostgreSQL. The target's login comes from the URL's user info, else from
 * the config's {@code database.user}/{@code database.password}; GRAPPLE_DATABASE_PASSWORD wins over
 * both. Stop Grapple first: the copy reads the file as it is.
 */
final class DatabaseCommand {
  static final String USAGE =
      """
      Usage: java -jar grapple.jar db copy --from <sqlite file> --to <postgresql url> [--config FILE]

        Copies an installation into an empty PostgreSQL database, table by table, with a line per
        table; a database that is not empty is refused and left as it is. The login comes from the
        URL (postgresql://user:password@host:port/db), else from FILE's database.user and
        database.password; GRAPPLE_DATABASE_PASSWORD wins over both. Stop Grapple before copying.""";
  static final String PASSWORD_ENV = "GRAPPLE_DATABASE_PASSWORD";

  private DatabaseCommand() {}

  /** Runs {@code db ...} (the words after {@code db}); returns the exit status. */
  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (asksForHelp(args)) {
      out.println(USAGE);
      return 0;
    }
    Copy copy;
    try {
      copy = Copy.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("grapple: db: " + e.getMessage() + "\n\n" + USAGE);
      return Main.EXIT_CONFIG;
    }
    if (!Files.isRegularFile(copy.from())) {
      err.println(
          "grapple: db copy: "
              + copy.from()
              + " is not a file (--from names the SQLite database to copy)");
      return Main.EXIT_CONFIG;
    }
    Location.Postgres to;
    try {
      to = target(copy, env);
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return Main.EXIT_CONFIG;
    } catch (BadInput e) {
      err.println("grapple: db copy: " + e.getMessage());
      return Main.EXIT_CONFIG;
    }
    out.println("db copy: from " + copy.from() + " to " + to.describe());
    // Held for the whole copy: no Grapple may write the file meanwhile, nor start on it.
    try {
      FileOwner source =
          FileOwner.claimIdle(
              copy.from(), "stop that Grapple first: db copy reads the file as it is");
      try {
        DatabaseCopy.copy(
            Location.sqlite(copy.from()),
            to,
            migrations(),
            line -> out.println("db copy: " + line));
      } finally {
        source.close();
      }
    } catch (DatabaseCopy.NotEmpty | StorageException e) {
      err.println("grapple: db copy: " + e.getMessage());
      return Main.EXIT_STARTUP;
    }
    keyNote(copy, to, out);
    out.println(
        "db copy: done. Set database.url to "
            + to.describe().replaceFirst("//[^@]*@", "//")
            + " (with database.user and database.password) and start Grapple.");
    return 0;
  }

  /**
   * The tokens copied are sealed with a key the database does not hold; with PostgreSQL the default
   * key file is another (in the working directory), and an instance without the key that sealed
   * them refuses to start. Names the file it likely is: SQLite's default, beside the file.
   */
  private static void keyNote(Copy copy, Location.Postgres to, PrintStream out) {
    boolean sealed;
    try (Database db = Database.open(to, migrations())) {
      sealed = SecretBox.sealedWithAKey(db);
    }
    if (!sealed) return;
    Path beside = copy.from().toAbsolutePath().resolveSibling("grapple.key");
    out.println(
        "db copy: its tokens are sealed with the secrets key, which is not in the database: give"
            + " every instance that key ("
            + (Files.exists(beside) ? beside : "the old secrets.keyFile")
            + ") as secrets.keyFile, or its contents as GRAPPLE_SECRET_KEY");
  }

  /**
   * {@code db --help}, {@code db copy --help} (anywhere on the line, or {@code -h}) or {@code db
   * help}: the help is what was asked for, not an error.
   */
  private static boolean asksForHelp(List<String> args) {
    return args.contains("--help")
        || args.contains("-h")
        || (!args.isEmpty() && args.get(0).equals("help"));
  }

  private static List<Migration> migrations() {
    return Grapple.migrations(Grapple.services());
  }

  /** The target with its login: the URL's, else the config's; the environment's password wins. */
  private static Location.Postgres target(Copy copy, Map<String, String> env) {
    String configUser = null;
    String configPassword = null;
    if (copy.config() != null) {
      Config config = ConfigLoader.load(copy.config(), env, Grapple.configSections());
      if (config.database().location() instanceof Location.Postgres configured) {
        configUser = configured.user();
        configPassword = configured.password();
      }
    }
    String[] inUrl = userInfo(copy.to());
    String user = inUrl[0] != null ? null : configUser;
    String envPassword = env.get(PASSWORD_ENV);
    String password =
        envPassword != null && !envPassword.isEmpty()
            ? envPassword
            : inUrl[1] != null ? null : configPassword;
    return Location.postgres("--to", copy.to(), user, password, 2);
  }

  /** The user and password written in the URL, each null when absent. */
  private static String[] userInfo(String url) {
    try {
      String info = new URI(url.replaceFirst("^jdbc:", "")).getRawUserInfo();
      if (info == null) return new String[] {null, null};
      int colon = info.indexOf(':');
      return colon < 0
          ? new String[] {info, null}
          : new String[] {info.substring(0, colon), info.substring(colon + 1)};
    } catch (URISyntaxException e) {
      return new String[] {null, null}; // Location.postgres names what is wrong with it
    }
  }

  /** {@code copy --from PATH --to URL [--config FILE]}. */
  record Copy(Path from, String to, @Nullable Path config) {
    static Copy parse(List<String> args) {
      if (args.isEmpty() || !args.get(0).equals("copy")) {
        throw new IllegalArgumentException(
            args.isEmpty() ? "what to do? (copy)" : "unknown command '" + args.get(0) + "'");
      }
      Path from = null;
      String to = null;
      Path config = null;
      CliArgs cli = new CliArgs(args, 1);
      while (cli.hasNext()) {
        String arg = cli.next();
        String name = CliArgs.name(arg);
        String value = cli.value(arg);
        switch (name) {
          case "--from" -> from = Path.of(value);
          case "--to" -> to = value;
          case "--config" -> config = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option '" + name + "'");
        }
      }
      if (from == null) throw new IllegalArgumentException("--from <sqlite file> is required");
      if (to == null) throw new IllegalArgumentException("--to <postgresql url> is required");
      return new Copy(from, to, config);
    }
  }
}

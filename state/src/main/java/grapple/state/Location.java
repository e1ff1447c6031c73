package grapple.state;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Where the database is: a SQLite file (one instance), or a PostgreSQL server (any number). */
public sealed interface Location {
  Dialect dialect();

  /** How logs and errors name the database: never with its password. */
  String describe();

  static Location sqlite(Path file) {
    return new Sqlite(file);
  }

  /**
   * A PostgreSQL database from a URL as operators write it, {@code postgresql://host:port/db},
   * optionally with {@code user:password@} (used when {@code user} or {@code password} is null) and
   * driver parameters ({@code ?sslmode=require}). Throws BadInput naming {@code field}.
   */
  static Postgres postgres(
      String field, String url, @Nullable String user, @Nullable String password, int poolSize) {
    URI uri = parse(field, url);
    String[] login = userInfo(uri);
    String host = uri.getHost();
    String database = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    BadInput.check(
        host != null && !host.isEmpty(),
        field,
        "needs a host: postgresql://host:port/database, was '%s'",
        masked(url));
    BadInput.check(
        !database.isEmpty() && !database.contains("/"),
        field,
        "needs one database name after the host: postgresql://host:port/database, was '%s'",
        masked(url));
    BadInput.check(
        poolSize >= 2 && poolSize <= 100,
        "database.poolSize",
        "must be 2 to 100, was %d",
        poolSize);
    int port = uri.getPort() == -1 ? 5432 : uri.getPort();
    // Else the config passes its check and the start fails with the driver's "Unable to parse URL".
    BadInput.check(
        port >= 1 && port <= 65535,
        field,
        "needs a port from 1 to 65535 (postgresql://host:port/database), was '%s'",
        masked(url));
    String chosenUser = user != null ? user : login[0];
    BadInput.check(
        chosenUser != null && !chosenUser.isEmpty(),
        "database.user",
        "is required with database.url (or give it in the URL: postgresql://user@host/database)");
    return new Postgres(
        host,
        port,
        database,
        uri.getRawQuery(),
        chosenUser,
        password != null ? password : login[1],
        poolSize);
  }

  private static URI parse(String field, String url) {
    Objects.requireNonNull(url, "url");
    String plain = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
    try {
      URI uri = new URI(plain);
      BadInput.check(
          "postgresql".equals(uri.getScheme()) || "postgres".equals(uri.getScheme()),
          field,
          "must start with postgresql://, was '%s'",
          masked(url));
      return uri;
    } catch (URISyntaxException e) {
      throw new BadInput(
          field, "'" + field + "' is not a URL (" + e.getReason() + "): '" + masked(url) + "'");
    }
  }

  private static String[] userInfo(URI uri) {
    String info = uri.getRawUserInfo();
    if (info == null) return new String[] {null, null};
    int colon = info.indexOf(':');
    String user = colon < 0 ? info : info.substring(0, colon);
    String password = colon < 0 ? null : info.substring(colon + 1);
    return new String[] {decode(user), password == null ? null : decode(password)};
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /**
   * The URL with any password in it replaced by ***, for messages: everything from {@code ://user:}
   * to the last {@code @}, since a password written as it is (not percent-encoded) may hold '/' or
   * '@' itself. Masking a little too much beats printing part of a password. The driver's {@code
   * password} parameter is masked too, and {@code sslpassword} (the client key's passphrase).
   */
  static String masked(String url) {
    // Without a scheme (user:password@host/db, the likeliest thing to be refused for lacking one),
    // the login starts the text.
    String login = url.contains("://") ? "://([^/@:]*):.*@" : "^([^/@:]*):.*@";
    String prefix = url.contains("://") ? "://" : "";
    return url.replaceFirst(login, prefix + "$1:***@")
        .replaceAll("(?i)([?&](?:ssl)?password=)[^&]*", "$1***");
  }

  /** A SQLite file. */
  record Sqlite(Path file) implements Location {
    public Sqlite {
      Objects.requireNonNull(file, "file");
    }

    @Override
    public Dialect dialect() {
      return Dialect.SQLITE;
    }

    @Override
    public String describe() {
      return file.toString();
    }
  }

  /** A PostgreSQL database; {@code toString} leaves the password out. */
  record Postgres(
      String host,
      int port,
      String database,
      @Nullable String parameters,
      String user,
      @Nullable String password,
      int poolSize)
      implements Location {
    @Override
    public Dialect dialect() {
      return Dialect.POSTGRESQL;
    }

    @Override
    public String describe() {
      return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
    }

    /** The driver's URL: no login in it (that goes as properties). */
    public String jdbcUrl() {
      return "jdbc:postgresql://"
          + host
          + ":"
          + port
          + "/"
          + database
          + (parameters == null ? "" : "?" + parameters);
    }

    /** The same server and login with another pool size. */
    public Postgres withPoolSize(int size) {
      return new Postgres(host, port, database, parameters, user, password, size);
    }

    @Override
    public String toString() {
      return "Postgres[" + describe() + ", poolSize=" + poolSize + "]";
    }
  }
}

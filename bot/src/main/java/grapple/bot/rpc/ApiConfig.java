package grapple.bot.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.state.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * What {@code grapple api _create_config} saves: the key and the host, in {@code
 * $XDG_CONFIG_HOME/grapple/api.json} (default {@code ~/.config}), readable by its owner alone.
 */
record ApiConfig(String apikey, String apihost) {
  @Override
  public String toString() {
    return "ApiConfig[apikey=***, apihost=" + apihost + "]";
  }

  /**
   * Where the config lives: XDG's config directory when set (and absolute), else ~/.config, where ~
   * is $HOME when set and absolute (an empty or relative one would put the key under the current
   * directory), else the account's home directory.
   */
  static Path file(Map<String, String> env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path base;
    if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
      base = Path.of(xdg);
    } else {
      String home = env.get("HOME");
      if (home == null || home.isEmpty() || !Path.of(home).isAbsolute())
        home = System.getProperty("user.home");
      base = Path.of(home, ".config");
    }
    return base.resolve("grapple").resolve("api.json");
  }

  /** The JSON-RPC endpoint on the host. */
  String endpoint() {
    String host = apihost.endsWith("/") ? apihost.substring(0, apihost.length() - 1) : apihost;
    return host.endsWith(JsonRpc.PATH) ? host : host + JsonRpc.PATH;
  }

  /**
   * The host, checked: an http or https URL (one an HTTP client can call) without a query,
   * fragment, user or password. The client sends no HTTP credentials (a user:password@ in the URL
   * would be dropped without a word, and printed in every "calling ... to" line); the refusal does
   * not repeat the URL, which holds that password.
   */
  static String checkedHost(String host) {
    return checkedHost(host, "--apihost");
  }

  /** {@link #checkedHost(String)}, the refusal naming where the host came from ({@code what}). */
  static String checkedHost(String host, String what) {
    try {
      URI uri = new URI(host);
      String scheme = uri.getScheme();
      if (uri.getRawUserInfo() != null)
        throw new IllegalArgumentException(
            what
                + " must not carry a user or password (user:password@): the client sends none;"
                + " the key goes as api_key (--apikey)");
      // The endpoint is the host with /_admin/api added: after a ?query or #fragment that would
      // be no path at all (http://h:9001/?a=1/_admin/api posts to /).
      if (uri.getRawQuery() != null || uri.getRawFragment() != null)
        throw new IllegalArgumentException(
            what
                + " must not carry a ?query or #fragment (the client adds "
                + JsonRpc.PATH
                + " to its path), was '"
                + masked(host)
                + "'");
      // What java.net.URI takes but no HTTP client can call, e.g. the port 99999. A scheme is
      // case-insensitive (RFC 3986 §3.1): HTTP:// is http://, kept in the canonical lower case.
      if (scheme != null
          && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          && uri.getHost() != null
          && HttpUrl.parse(host) != null)
        return scheme.toLowerCase(Locale.ROOT) + host.substring(scheme.length());
    } catch (URISyntaxException e) {
      // Reported below with the rule.
    }
    throw new IllegalArgumentException(
        what
            + " must be an http or https URL like http://127.0.0.1:9001, was '"
            + masked(host)
            + "'");
  }

  /** {@code host} to quote: whatever stands before an @ may be a password, parsed or not. */
  private static String masked(String host) {
    return host.replaceFirst("^([^/@]*//)?[^/@]*@", "$1***@");
  }

  /**
   * Writes the file through a temporary one made 0600 before any byte is in it, then moved into
   * place, so the key is never readable by others, not even for a moment.
   */
  void save(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    try {
      Files.createFile(
          temporary,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
      throw new IOException("cannot create " + temporary + " readable by its owner alone", e);
    }
    String json = Json.write(Json.object().put("apikey", apikey).put("apihost", apihost));
    Files.writeString(temporary, json + "\n", StandardCharsets.UTF_8);
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The saved config, or null when there is none. */
  static @Nullable ApiConfig load(Path file) throws IOException {
    if (!Files.exists(file)) return null;
    JsonNode saved;
    try {
      saved = Json.UNTRUSTED.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IOException("it is not the JSON _create_config writes", e);
    }
    if (saved == null || !saved.path("apikey").isTextual() || !saved.path("apihost").isTextual())
      throw new IOException(
          "it needs \"apikey\" and \"apihost\" strings; run _create_config again");
    return new ApiConfig(saved.get("apikey").asText(), saved.get("apihost").asText());
  }
}

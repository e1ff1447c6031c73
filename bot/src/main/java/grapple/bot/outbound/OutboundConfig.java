package grapple.bot.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.NamedHooks;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Locale;
import okhttp3.HttpUrl;

/**
 * The state content of one outbound webhook ({@code uk.half-shot.matrix-hookshot.outbound-hook}),
 * validated: {@code {name, url, method: "PUT"|"POST" (default PUT)}}.
 */
record OutboundConfig(String name, HttpUrl url, String method) {
  static OutboundConfig from(String stateKey, ObjectNode content) {
    JsonNode nameNode = content.get("name");
    String name = nameNode == null || nameNode.isNull() ? stateKey : text(nameNode, "name");
    NamedHooks.checkName(name);
    JsonNode urlNode = content.get("url");
    if (urlNode == null || urlNode.isNull())
      throw new BadInput("url", "'url' is required (an http or https URL)");
    if (!urlNode.isTextual()) throw new BadInput("url", "Outbound URL must be a string");
    HttpUrl url = url(urlNode.asText());
    JsonNode methodNode = content.get("method");
    String method = "PUT";
    if (methodNode != null && !methodNode.isNull()) {
      method = methodNode.isTextual() ? methodNode.asText().toUpperCase(Locale.ROOT) : "";
      if (!method.equals("PUT") && !method.equals("POST")) {
        throw new BadInput(
            "method",
            "Outbound Method must be one of PUT,POST, was " + Markdown.code(methodNode.toString()));
      }
    }
    return new OutboundConfig(name, url, method);
  }

  /**
   * An absolute http(s) URL with a host, no user info, and a port from 1 to 65535 if it names one,
   * as OkHttp (which sends it) reads it: an international host in punycode ({@code bücher.example}
   * is {@code xn--bcher-kva.example}), and a host with an underscore ({@code my_service}, a Docker
   * Compose service) as written. {@code java.net.URI} has no host for either, and they were refused
   * as having none. BadInput in hookshot's words otherwise. A refusal never repeats the URL: its
   * user info, path or query may carry the target's key, and refusals are logged (at every start,
   * for room state) and posted in the room.
   */
  static HttpUrl url(String text) {
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      throw new BadInput(
          "url",
          "Outbound URL is invalid ("
              + e.getReason().toLowerCase(Locale.ROOT)
              + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "")
              + ")");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https"))
      throw new BadInput(
          "url",
          "Outbound URL protocol must be http or https, was "
              + (scheme.isEmpty() ? "none" : Markdown.code(scheme)));
    // The raw authority, not getHost() and getUserInfo(): both are null for a host URI cannot
    // read as a server's (an IDN, an underscore), though OkHttp can, user info and all.
    String authority = url.getRawAuthority() == null ? "" : url.getRawAuthority();
    String hostAndPort = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = hostAndPort.lastIndexOf(':');
    boolean hasPort = colon > hostAndPort.lastIndexOf(']');
    String host = hasPort ? hostAndPort.substring(0, colon) : hostAndPort;
    if (host.isEmpty()) throw new BadInput("url", "Outbound URL is invalid (no host)");
    if (authority.contains("@"))
      throw new BadInput(
          "url", "Outbound URL must not carry a user and password (the token authenticates)");
    // java.net.URI takes "host:99999" and "host:"; OkHttp refuses to send to them.
    if (hasPort) {
      String digits = hostAndPort.substring(colon + 1);
      int port = digits.matches("[0-9]{1,5}") ? Integer.parseInt(digits) : 0;
      if (port < 1 || port > 65535)
        throw new BadInput(
            "url",
            "Outbound URL is invalid (the port must be a number from 1 to 65535"
                + (digits.matches("[0-9]{1,5}") ? ", was " + digits : "")
                + ")");
    }
    HttpUrl parsed = HttpUrl.parse(text);
    if (parsed == null) {
      String problem =
          HttpUrl.parse(scheme + "://" + hostAndPort) == null
              ? hostProblem(host)
              : "it cannot be sent to as written";
      throw new BadInput("url", "Outbound URL is invalid (" + problem + ")");
    }
    return parsed;
  }

  /** What makes {@code host}, as the URL writes it, no host OkHttp can send to. */
  private static String hostProblem(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (Arrays.asList(name.split("\\.", -1)).contains(""))
      return "its host has an empty label: a leading dot, or two dots in a row";
    // A label of more code points than that is longer still in punycode.
    if (labelTooLong(name)) return LABEL_TOO_LONG;
    String ascii;
    try {
      ascii = IDN.toASCII(name, IDN.ALLOW_UNASSIGNED);
    } catch (IllegalArgumentException e) {
      return "its host is no valid domain name: " + e.getMessage();
    }
    if (ascii.length() > MAX_HOST_CHARS)
      return "its host is longer than " + MAX_HOST_CHARS + " characters (in punycode)";
    if (labelTooLong(ascii)) return LABEL_TOO_LONG;
    return "its host has a character a host name cannot have";
  }

  private static boolean labelTooLong(String host) {
    return Arrays.stream(host.split("\\."))
        .anyMatch(l -> l.codePointCount(0, l.length()) > MAX_LABEL_CHARS);
  }

  /** DNS's limits (RFC 1035), which OkHttp holds a host to. */
  private static final int MAX_HOST_CHARS = 253;

  private static final int MAX_LABEL_CHARS = 63;

  private static final String LABEL_TOO_LONG =
      "a label of its host is longer than " + MAX_LABEL_CHARS + " characters (in punycode)";

  /**
   * The URL's scheme, host and port only, as the hook's list, its direct message and logs show it:
   * its path or query may carry the target's own key (a chat service's incoming webhook URL is its
   * secret), and so may user info. {@link #url} refuses user info, and this shows neither. The host
   * is OkHttp's, so an international one shows in punycode, as it is sent to.
   */
  String origin() {
    return origin(url);
  }

  static String origin(HttpUrl url) {
    String port = url.port() == HttpUrl.defaultPort(url.scheme()) ? "" : ":" + url.port();
    String host = url.host().contains(":") ? "[" + url.host() + "]" : url.host();
    return url.scheme() + "://" + host + port;
  }

  /** With the URL as {@link #origin()}: a record prints every field where it reaches a log line. */
  @Override
  public String toString() {
    return "OutboundConfig[name=" + name + ", url=" + origin() + "/***, method=" + method + "]";
  }

  private static String text(JsonNode node, String field) {
    if (!node.isTextual())
      throw new BadInput(
          field, "'" + field + "' must be a string, was " + Markdown.code(node.toString()));
    return node.asText();
  }
}

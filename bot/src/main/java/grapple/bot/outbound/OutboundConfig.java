package grapple.bot.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.forge.NamedHooks;
import grapple.commands.Markdown;
import grapple.state.BadInput;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import okhttp3.HttpUrl;

/**
 * The state content of one outbound webhook ({@code uk.half-shot.matrix-hookshot.outbound-hook}),
 * validated: {@code {name, url, method: "PUT"|"POST" (default PUT)}}.
 */
record OutboundConfig(String name, URI url, String method) {
  static OutboundConfig from(String stateKey, ObjectNode content) {
    JsonNode nameNode = content.get("name");
    String name = nameNode == null || nameNode.isNull() ? stateKey : text(nameNode, "name");
    NamedHooks.checkName(name);
    JsonNode urlNode = content.get("url");
    if (urlNode == null || urlNode.isNull())
      throw new BadInput("url", "'url' is required (an http or https URL)");
    if (!urlNode.isTextual()) throw new BadInput("url", "Outbound URL must be a string");
    URI url = url(urlNode.asText());
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
   * An absolute http(s) URL with a host, and a port from 1 to 65535 if it names one, that OkHttp
   * (which sends it) reads as given; BadInput in hookshot's words otherwise. A refusal never
   * repeats the URL: its user info, path or query may carry the target's key, and refusals are
   * logged (at every start, for room state) and posted in the room.
   */
  static URI url(String text) {
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
    if (url.getHost() == null || url.getHost().isEmpty())
      throw new BadInput("url", "Outbound URL is invalid (no host)");
    if (url.getUserInfo() != null)
      throw new BadInput(
          "url", "Outbound URL must not carry a user and password (the token authenticates)");
    // java.net.URI takes "host:99999" and "host:"; OkHttp refuses to send to them.
    String authority = url.getRawAuthority();
    int colon = authority.lastIndexOf(':');
    if (colon > authority.lastIndexOf(']')) {
      String digits = authority.substring(colon + 1);
      int port = digits.matches("[0-9]{1,5}") ? Integer.parseInt(digits) : 0;
      if (port < 1 || port > 65535)
        throw new BadInput(
            "url",
            "Outbound URL is invalid (the port must be a number from 1 to 65535"
                + (digits.matches("[0-9]{1,5}") ? ", was " + digits : "")
                + ")");
    }
    if (HttpUrl.parse(text) == null)
      throw new BadInput("url", "Outbound URL is invalid (it cannot be sent to as written)");
    return url;
  }

  /**
   * The URL's scheme, host and port only, as the hook's list, its direct message and logs show it:
   * its path or query may carry the target's own key (a chat service's incoming webhook URL is its
   * secret), and so may user info. {@link #url} refuses user info, but the authority this showed
   * carried whatever the URI held; built from the host and port, it cannot.
   */
  String origin() {
    return origin(url);
  }

  static String origin(URI url) {
    return url.getScheme()
        + "://"
        + url.getHost()
        + (url.getPort() == -1 ? "" : ":" + url.getPort());
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

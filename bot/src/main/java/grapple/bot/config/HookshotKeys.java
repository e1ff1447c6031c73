package grapple.bot.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Keys of matrix-hookshot 7.4's config that Grapple does not read. A config brought over from
 * hookshot holds them, and "unknown key (known: ...)" would tell its operator nothing: each is
 * either a warning saying why Grapple has no use for it (the config still loads), or, when leaving
 * it out would silently change what the bot does (an appservice login, static connections,
 * encryption, a renamed key whose value would be lost), a problem naming Grapple's equivalent.
 */
final class HookshotKeys {
  /** What a hookshot key is to Grapple: {@code error} stops the start, else it is a warning. */
  record Rule(boolean error, String text) {}

  private static final String NO_GHOSTS = "Grapple posts as its one bot user (bot.userId)";
  private static final String NO_SERVICE =
      "Grapple has no such service; its connections in room state are left alone";
  private static final String LOG_FORMAT =
      "Grapple logs plain lines to stderr (logging.level only)";

  private static final Map<String, Rule> RULES =
      Map.ofEntries(
          error(
              "bridge",
              "is hookshot's appservice section; Grapple logs in as a user instead: move"
                  + " bridge.url to homeserver.url and bridge.domain to homeserver.domain, set"
                  + " bot.userId and bot.accessToken (or GRAPPLE_ACCESS_TOKEN), and remove the"
                  + " section (bridge.port, bridge.bindAddress and the registration file have no"
                  + " counterpart: Grapple opens no appservice listener)"),
          warn(
              "passFile",
              "Grapple encrypts the tokens it stores with secrets.keyFile"
                  + " (made at first start) and does not read hookshot's, so users link their"
                  + " accounts again"),
          warn(
              "cache",
              "Grapple keeps its state in its database (database.path, or"
                  + " database.url for PostgreSQL)"),
          warn(
              "queue",
              "several Grapple instances share one PostgreSQL database (database.url) instead of"
                  + " a Redis queue"),
          error(
              "encryption",
              "is hookshot's end-to-end encryption; Grapple cannot read or post in encrypted"
                  + " rooms: remove the section"),
          error(
              "connections",
              "is hookshot's static connections; Grapple reads connections from room state only:"
                  + " send each as the state event of its connectionType, with its stateKey, in its"
                  + " room (or use the webhook command), then remove the section"),
          error(
              "webhook",
              "is hookshot's old webhook listener: Grapple's is listeners.webhooks {bindAddress,"
                  + " port}"),
          error(
              "provisioning.port",
              "is hookshot's old provisioning listener: Grapple's is listeners.provisioning.port"),
          error(
              "provisioning.bindAddress",
              "is hookshot's old provisioning listener: Grapple's is"
                  + " listeners.provisioning.bindAddress"),
          error(
              "experimentalEncryption",
              "is hookshot's end-to-end encryption; Grapple cannot read or post in encrypted"
                  + " rooms: remove it"),
          warn("goNebMigrator", "hookshot removed the Go-NEB migrator too"),
          warn("figma", NO_SERVICE),
          warn("openProject", NO_SERVICE),
          warn("challengeHound", NO_SERVICE),
          warn(
              "serviceBots",
              "Grapple answers every service as its one bot user," + " with bot.commandPrefixes"),
          warn(
              "widgets",
              "Grapple serves no widgets (tools use the /v1 provisioning API on"
                  + " listeners.provisioning)"),
          warn(
              "metrics",
              "Grapple always serves Prometheus metrics on listeners.metrics (its port and"
                  + " bindAddress go there)"),
          warn("sentry", "Grapple reports errors to its log only"),
          warn("messaging", "Grapple sets no URL preview flag on its messages"),
          warn("logging.colorize", LOG_FORMAT),
          warn("logging.json", LOG_FORMAT),
          warn("logging.timestampFormat", LOG_FORMAT),
          error("bot.displayname", "is hookshot's spelling: Grapple reads bot.displayName"),
          warn("bot.avatar", "set the bot's avatar from its account, in any Matrix client"),
          warn("generic.userIdPrefix", NO_GHOSTS),
          warn("github.userIdPrefix", NO_GHOSTS),
          warn("gitlab.userIdPrefix", NO_GHOSTS),
          error(
              "generic.outbound",
              "is hookshot's switch of outbound webhooks: Grapple's is outbound.enabled"),
          error(
              "generic.maxExpiryTime",
              "is hookshot's name: Grapple reads generic.maxExpiry (written alike, e.g. 30d)"),
          error(
              "github.auth",
              "is hookshot's name of the GitHub App: Grapple reads github.app {id, privateKeyFile,"
                  + " slug}"),
          error(
              "github.enterpriseUrl",
              "is hookshot's: Grapple reads github.apiUrl (https://<host>/api/v3) and"
                  + " github.webUrl"),
          error("github.oauth.client_id", renamed("github.oauth.clientId")),
          error("github.oauth.client_secret", renamed("github.oauth.clientSecret")),
          error("github.oauth.redirect_uri", renamed("github.oauth.redirectUri")),
          error("jira.oauth.client_id", renamed("jira.oauth.clientId")),
          error("jira.oauth.client_secret", renamed("jira.oauth.clientSecret")),
          error("jira.oauth.redirect_uri", renamed("jira.oauth.redirectUri")),
          error(
              "jira.oauth.consumerKey",
              "is hookshot's JIRA on-premise OAuth 1.0a, which Grapple does not have: Data Center"
                  + " users link a personal access token (jira token <instance> <token>)"),
          error(
              "jira.oauth.privateKey",
              "is hookshot's JIRA on-premise OAuth 1.0a, which Grapple does not have: Data Center"
                  + " users link a personal access token (jira token <instance> <token>)"),
          error(
              "jira.url",
              "is hookshot's on-premise JIRA: Grapple names JIRA Data Center instances in"
                  + " jira.instances, e.g. {acme: {url: https://jira.acme.org}}"));

  private HookshotKeys() {}

  /**
   * The rule for the key at {@code pattern} (list entries written {@code []}), or null when it is
   * no hookshot key.
   */
  static @Nullable Rule of(String pattern) {
    return RULES.get(pattern);
  }

  /**
   * The problem of hookshot's list of listeners, {@code [{port, bindAddress, resources}]}, given
   * where Grapple takes a mapping by resource: the mapping that would bind the same, so the fix can
   * be copied; null when {@code value} is not such a list.
   */
  static @Nullable String listenerList(String pattern, JsonNode value) {
    if (!pattern.equals("listeners") || !value.isArray()) return null;
    List<String> mapped = new ArrayList<>();
    List<String> unmatched = new ArrayList<>();
    for (JsonNode listener : value) {
      for (JsonNode resource : listener.path("resources")) {
        String name = resource.asText();
        if (!List.of("webhooks", "metrics", "provisioning").contains(name)) {
          unmatched.add(name);
          continue;
        }
        mapped.add(
            name
                + ": {bindAddress: "
                + listener.path("bindAddress").asText("127.0.0.1")
                + ", port: "
                + listener.path("port").asText()
                + "}");
      }
    }
    return "is hookshot's list of listeners; Grapple's is a mapping by resource, each on its own"
        + " port: {"
        + String.join(", ", mapped)
        + "}"
        + (unmatched.isEmpty()
            ? ""
            : " (hookshot's " + String.join(", ", unmatched) + " have no counterpart)")
        + "; a resource not named keeps its default (webhooks 9000, provisioning 9001, metrics"
        + " 9002 on 127.0.0.1)";
  }

  private static String renamed(String grappleKey) {
    return "is hookshot's name: Grapple reads " + grappleKey;
  }

  private static Map.Entry<String, Rule> error(String pattern, String text) {
    return Map.entry(pattern, new Rule(true, text));
  }

  private static Map.Entry<String, Rule> warn(String pattern, String text) {
    return Map.entry(pattern, new Rule(false, "hookshot's key, not used by Grapple: " + text));
  }
}

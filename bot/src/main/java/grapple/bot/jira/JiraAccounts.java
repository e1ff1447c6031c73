package grapple.bot.jira;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.bot.forge.ForgeException;
import grapple.bot.forge.ForgeInstances;
import grapple.bot.forge.TokenAccounts;
import grapple.state.Json;
import grapple.state.LinkedAccounts;
import grapple.state.LinkedAccounts.Account;
import grapple.state.PeopleLinks;
import grapple.state.PeopleLinks.Identity;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JIRA accounts Matrix users linked: one JIRA Cloud login by OAuth 2.0 (3LO; its access token
 * lasts an hour and is refreshed with the rotating refresh token before use) reaching the sites
 * Atlassian lists as its accessible resources, and Data Center personal access tokens, one per
 * configured instance, each checked with {@code myself} before it is stored. Mentions and {@code
 * assign} also read the links administrators made (CONTRACT §14), which match a JIRA user by the
 * link's id when it has one, else by its login (a Data Center user name).
 */
final class JiraAccounts implements TokenAccounts.Renewal {
  private static final Logger log = LoggerFactory.getLogger(JiraAccounts.class);
  static final String SERVICE = "jira";

  /** The instance name the Cloud login is stored under (not a valid configured name). */
  static final String CLOUD = "@cloud";

  static final String SCOPES = "read:jira-work write:jira-work read:jira-user offline_access";

  /**
   * Atlassian's {@code error} when the refresh token itself is refused (expired, revoked, rotated
   * away): {@code invalid_grant}, or {@code unauthorized_client} ("refresh_token is invalid").
   */
  private static final java.util.Set<String> REFUSED_GRANT =
      java.util.Set.of("invalid_grant", "unauthorized_client");

  /** The leader refreshes tokens expiring within this. */
  static final Duration REFRESH_AHEAD = Duration.ofMinutes(15);

  private final LinkedAccounts store;
  private final PeopleLinks people;
  private final JiraClient client;
  private final JiraSettings settings;
  private final Clock clock;
  private final BiConsumer<String, String> tell;

  /** {@code tell}: sends a user a direct message (Markdown), e.g. that their login expired. */
  JiraAccounts(
      LinkedAccounts store,
      PeopleLinks people,
      JiraClient client,
      JiraSettings settings,
      Clock clock,
      BiConsumer<String, String> tell) {
    this.store = store;
    this.people = people;
    this.client = client;
    this.settings = settings;
    this.clock = clock;
    this.tell = tell;
  }

  /** Checks a Data Center token with the instance's {@code myself} and links it. */
  Account linkToken(String matrixUser, String instance, String token) throws ForgeException {
    HttpUrl url = ForgeInstances.named(settings.instances(), instance, "instance", "JIRA");
    JsonNode me = client.myself(dataCenter(instance, url, token));
    Account account =
        new Account(
            SERVICE,
            instance,
            matrixUser,
            me.path("displayName").asText(me.path("name").asText("")),
            me.path("name").asText(me.path("key").asText("")),
            token,
            null,
            null,
            null);
    store.link(account);
    log.info("jira: {} linked a token for the instance {}", matrixUser, instance);
    return account;
  }

  /** Exchanges an OAuth code for tokens, finds the user's Cloud sites and links the login. */
  Account linkCode(String matrixUser, String code) throws ForgeException {
    JiraSettings.OAuth oauth = oauth();
    JsonNode tokens =
        client.token(
            oauth,
            Json.object()
                .put("grant_type", "authorization_code")
                .put("code", code)
                .put("redirect_uri", oauth.redirectUri()));
    String token = tokens.path("access_token").asText("");
    if (token.isEmpty())
      throw new ForgeException(502, "Atlassian answered without an access token");
    List<Site> sites = cloudSites(oauth, token);
    if (sites.isEmpty())
      throw new ForgeException(403, "this Atlassian account reaches no JIRA Cloud site");
    JsonNode me = client.myself(sites.get(0));
    Account account =
        withTokens(
            new Account(
                SERVICE,
                CLOUD,
                matrixUser,
                me.path("displayName").asText(""),
                me.path("accountId").asText(""),
                token,
                null,
                null,
                null),
            tokens);
    store.link(account);
    log.info("jira: {} linked a JIRA Cloud login ({} sites)", matrixUser, sites.size());
    return account;
  }

  private JiraSettings.OAuth oauth() throws ForgeException {
    // The operator's config, not JIRA failing to answer (status 0): nothing to try again.
    return settings
        .oauth()
        .orElseThrow(
            () ->
                ForgeException.notConfigured(
                    "JIRA Cloud OAuth is not configured on this bot (jira.oauth)"));
  }

  @Override
  public Account withTokens(Account a, JsonNode tokens) {
    return TokenAccounts.withTokens(
        a,
        tokens.path("access_token").asText(a.token()),
        tokens.path("refresh_token").asText(a.refreshToken()),
        TokenAccounts.expiry(tokens, "expires_in", clock.instant()),
        null);
  }

  /** The user's links: the Cloud login first (if any), then Data Center instances by name. */
  List<Account> accounts(String matrixUser) {
    List<Account> out = new ArrayList<>();
    store.get(SERVICE, CLOUD, matrixUser).ifPresent(out::add);
    for (String instance : settings.instances().keySet())
      store.get(SERVICE, instance, matrixUser).ifPresent(out::add);
    return out;
  }

  boolean linked(String matrixUser) {
    return !accounts(matrixUser).isEmpty();
  }

  /**
   * Every JIRA the user can act on: their Cloud login's sites (asked of Atlassian, with a fresh
   * token) and their linked Data Center instances.
   */
  List<Site> sites(String matrixUser) throws ForgeException {
    List<Site> out = new ArrayList<>(cloudSites(matrixUser));
    for (Map.Entry<String, HttpUrl> instance : settings.instances().entrySet()) {
      store
          .get(SERVICE, instance.getKey(), matrixUser)
          .ifPresent(a -> out.add(dataCenter(instance.getKey(), instance.getValue(), a.token())));
    }
    return out;
  }

  /**
   * The user's site on {@code authority} ({@code host[:port]}), if they reach one there: a linked
   * Data Center instance there is answered without a call, and Atlassian is asked only when none is
   * (a Cloud login refused or unreachable cannot stop a Data Center command).
   */
  Optional<Site> site(String matrixUser, String authority) throws ForgeException {
    for (Map.Entry<String, HttpUrl> instance : settings.instances().entrySet()) {
      if (!JiraProjectConfig.authority(instance.getValue()).equals(authority)) continue;
      Optional<Account> linked = store.get(SERVICE, instance.getKey(), matrixUser);
      if (linked.isPresent())
        return Optional.of(
            dataCenter(instance.getKey(), instance.getValue(), linked.get().token()));
    }
    return cloudSites(matrixUser).stream().filter(s -> s.authority().equals(authority)).findFirst();
  }

  /**
   * The sites of the user's Cloud login; none without one, or while the bot has no OAuth app
   * ({@code jira.oauth} taken out of the config after users logged in): Atlassian's API is then out
   * of reach, which is the operator's choice and not JIRA failing to answer, so it must not fail
   * the user's Data Center instances (or {@code /v1/jira/account}) with "try again later".
   */
  private List<Site> cloudSites(String matrixUser) throws ForgeException {
    Optional<JiraSettings.OAuth> oauth = settings.oauth();
    if (oauth.isEmpty()) return List.of();
    Optional<String> cloud = cloudToken(matrixUser);
    if (cloud.isEmpty()) return List.of();
    return cloudSites(oauth.get(), cloud.get());
  }

  /**
   * The JIRA user id (Cloud accountId, Data Center name) of a Matrix user on this site: their
   * linked account's, else an administrator's link's id, else (on Data Center) its login; never the
   * id of an account another Matrix user linked as their own there (mentions follow that account,
   * so {@code assign} must not give its owner's id to whoever an administrator's link names).
   */
  Optional<String> jiraUserFor(String matrixUser, Site site) {
    String instance = site.cloud() ? CLOUD : site.name();
    Optional<String> linked =
        store.get(SERVICE, instance, matrixUser).map(Account::forgeId).filter(id -> !id.isEmpty());
    if (linked.isPresent()) return linked;
    return adminLink(i -> i.matrixUser().equals(matrixUser))
        .flatMap(
            i ->
                i.forgeId() != null
                    ? Optional.of(i.forgeId())
                    : site.cloud() ? Optional.empty() : Optional.of(i.login()))
        .filter(
            id ->
                store
                    .matrixUserForForgeId(SERVICE, instance, id)
                    .map(owner -> owner.equals(matrixUser))
                    .orElse(true));
  }

  /**
   * The Matrix user who linked the JIRA user {@code jiraUserId} (Cloud accountId, Data Center name)
   * on the JIRA at {@code authority}: a configured Data Center instance there, else Cloud.
   */
  Optional<String> matrixUserFor(String authority, String jiraUserId) {
    if (jiraUserId.isEmpty()) return Optional.empty();
    String instance = CLOUD;
    for (Map.Entry<String, HttpUrl> i : settings.instances().entrySet())
      if (JiraProjectConfig.authority(i.getValue()).equals(authority)) instance = i.getKey();
    Optional<String> linked = store.matrixUserForForgeId(SERVICE, instance, jiraUserId);
    if (linked.isPresent()) return linked;
    return adminLink(
            i ->
                i.forgeId() != null
                    ? i.forgeId().equals(jiraUserId)
                    : i.login().equalsIgnoreCase(jiraUserId))
        .map(Identity::matrixUser);
  }

  /** The newest JIRA identity of an administrator's link that {@code matches}. */
  private Optional<Identity> adminLink(Predicate<Identity> matches) {
    Identity newest = null;
    for (Identity i : people.adminLinks()) {
      if (i.service().equals(SERVICE) && matches.test(i)) newest = i; // listed oldest first
    }
    return Optional.ofNullable(newest);
  }

  private List<Site> cloudSites(JiraSettings.OAuth oauth, String token) throws ForgeException {
    List<Site> out = new ArrayList<>();
    for (JsonNode resource : client.accessibleResources(oauth, token)) {
      HttpUrl url = HttpUrl.parse(resource.path("url").asText(""));
      String id = resource.path("id").asText("");
      if (url == null || id.isEmpty()) continue;
      HttpUrl rest =
          oauth
              .apiUrl()
              .newBuilder()
              .addPathSegments("ex/jira")
              .addPathSegment(id)
              .addPathSegments("rest/api/3")
              .build();
      out.add(new Site(resource.path("name").asText(url.host()), url, rest, true, token));
    }
    return out;
  }

  private static Site dataCenter(String name, HttpUrl url, String token) {
    return new Site(
        name, url, url.newBuilder().addPathSegments("rest/api/2").build(), false, token);
  }

  /**
   * The Cloud access token, refreshed first when it is about to expire; empty when not linked or
   * when Atlassian refused the refresh (then the link is gone and the user was told once).
   */
  Optional<String> cloudToken(String matrixUser) throws ForgeException {
    return TokenAccounts.token(
        store.get(SERVICE, CLOUD, matrixUser), clock.instant(), this::refresh);
  }

  /**
   * Refreshes one Cloud login ({@code account} as the caller read it). Synchronized and re-reading
   * the link first ({@link TokenAccounts#refresh}): Atlassian's refresh tokens rotate, so a second
   * refresh with a stale one would be refused. Whether the token is due is the caller's to say
   * (about to expire before a use, within {@link #REFRESH_AHEAD} for the leader's chore).
   */
  synchronized Optional<Account> refresh(Account account) throws ForgeException {
    return TokenAccounts.refresh(store, account, "Atlassian", REFUSED_GRANT, this);
  }

  @Override
  public Optional<JsonNode> refreshed(String refreshToken) throws ForgeException {
    Optional<JiraSettings.OAuth> oauth = settings.oauth();
    if (oauth.isEmpty()) return Optional.empty();
    return Optional.of(
        client.token(
            oauth.get(),
            Json.object().put("grant_type", "refresh_token").put("refresh_token", refreshToken)));
  }

  /** Leader's chore: refreshes every Cloud token that expires soon. */
  void refreshExpiring() {
    TokenAccounts.refreshExpiring(
        store, SERVICE, clock.instant().plus(REFRESH_AHEAD), this::refresh);
  }

  @Override
  public void expired(Account account, String why) {
    if (!store.unlink(SERVICE, CLOUD, account.matrixUser())) return; // told already
    log.info("jira: unlinked the Cloud login of {}: {}", account.matrixUser(), why);
    tell.accept(
        account.matrixUser(),
        "Your JIRA Cloud login has expired and could not be renewed. Log in again with `jira"
            + " login` here.");
  }

  /**
   * Forgets every JIRA link of the user (those of an instance no longer in the config too); true if
   * there was one.
   */
  boolean logout(String matrixUser) {
    return store.unlinkAll(SERVICE, matrixUser);
  }
}

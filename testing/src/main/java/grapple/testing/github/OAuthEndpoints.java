package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.FormData;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The web flow, on the web host: {@code GET /login/oauth/authorize} (sends the signed-in user back
 * with a code) and {@code POST /login/oauth/access_token} (trades a code or a refresh token for
 * tokens). Errors come with status 200 and an {@code error} field, as GitHub sends them. See
 * https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app
 */
final class OAuthEndpoints {
  static final Duration CODE_LIFETIME = Duration.ofMinutes(10);
  static final Duration USER_TOKEN_LIFETIME = Duration.ofHours(8);
  static final Duration REFRESH_TOKEN_LIFETIME =
      Duration.ofDays(184); // GitHub: refresh_token_expires_in 15897600 s
  private static final String TROUBLESHOOTING =
      "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/";

  private final World world;

  OAuthEndpoints(World world) {
    this.world = world;
  }

  void register(Routes routes) {
    routes.add("GET", "/login/oauth/authorize", this::authorize);
    routes.add("POST", "/login/oauth/access_token", this::accessToken);
  }

  /** A code for {@code login} to give {@code clientId}, good once, for 10 minutes. */
  static String issueCode(World world, String clientId, String login, String redirectUri) {
    byte[] random = new byte[10];
    ThreadLocalRandom.current().nextBytes(random);
    String code = HexFormat.of().formatHex(random);
    synchronized (world) {
      world.codes.put(
          code, new World.OAuthCode(clientId, login, redirectUri, world.now().plus(CODE_LIFETIME)));
    }
    return code;
  }

  /**
   * As if the signed-in user (see {@link FakeGithub#signIn}) clicked Authorize: 302 to redirect_uri
   * with code and state.
   */
  private Answer authorize(Routes.Call call) {
    FakeOAuthApp client = world.oauthApp(call.request().queryParameter("client_id"));
    if (client == null) throw ApiFailure.notFound();
    if (world.signedIn() == null)
      return Answer.text(
          200, "text/html; charset=utf-8", "<html><body>Sign in to GitHub</body></html>");
    String redirectUri = call.request().queryParameter("redirect_uri");
    String target = redirectUri != null ? redirectUri : client.callbackUrl();
    if (target == null)
      throw new ApiFailure(400, "redirect_uri is missing and the app has no callback URL");
    String code = issueCode(world, client.clientId, world.signedIn(), redirectUri);
    String state = call.request().queryParameter("state");
    String location =
        target
            + (target.contains("?") ? "&" : "?")
            + "code="
            + code
            + (state == null ? "" : "&state=" + URLEncoder.encode(state, StandardCharsets.UTF_8));
    return new Answer(302, Map.of("Location", location), new byte[0]);
  }

  private Answer accessToken(Routes.Call call) {
    Map<String, String> params = params(call.request());
    boolean json = String.valueOf(call.request().header("Accept")).contains("json");
    FakeOAuthApp client = world.oauthApp(params.get("client_id"));
    if (client == null || !client.clientSecret.equals(params.get("client_secret"))) {
      return error(json, TokenError.INCORRECT_CLIENT_CREDENTIALS);
    }
    if ("refresh_token".equals(params.get("grant_type")))
      return refresh(json, client, params.get("refresh_token"));
    World.OAuthCode code = world.codes.remove(String.valueOf(params.get("code")));
    if (code == null
        || !code.clientId().equals(client.clientId)
        || !world.now().isBefore(code.expiresAt())) {
      return error(json, TokenError.BAD_VERIFICATION_CODE);
    }
    if (!redirectMatches(client, code, params.get("redirect_uri"))) {
      return error(json, TokenError.REDIRECT_URI_MISMATCH);
    }
    return tokens(json, client, code.login());
  }

  private Answer refresh(boolean json, FakeOAuthApp client, String refreshToken) {
    Grant refresh = refreshToken == null ? null : world.refreshTokens.remove(refreshToken);
    if (refresh == null
        || refresh.expired(world.now())
        || !client.clientId.equals(refresh.clientId())) {
      return error(json, TokenError.BAD_REFRESH_TOKEN);
    }
    return tokens(json, client, refresh.login());
  }

  /**
   * New tokens: ghu_ for 8 hours with a ghr_ refresh token for a GitHub App, gho_ for a classic
   * OAuth app.
   */
  private Answer tokens(boolean json, FakeOAuthApp client, String login) {
    Instant now = world.now();
    Grant.Kind kind = client.githubApp ? Grant.Kind.APP_USER : Grant.Kind.PERSONAL;
    String accessToken = World.newToken(client.githubApp ? "ghu_" : "gho_", 36);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("access_token", accessToken);
    if (client.expiring()) {
      String refreshToken = World.newToken("ghr_", 76);
      world.addToken(
          accessToken,
          new Grant(kind, login, 0, null, client.clientId, now.plus(USER_TOKEN_LIFETIME)));
      world.refreshTokens.put(
          refreshToken,
          new Grant(kind, login, 0, null, client.clientId, now.plus(REFRESH_TOKEN_LIFETIME)));
      answer.put("expires_in", USER_TOKEN_LIFETIME.toSeconds());
      answer.put("refresh_token", refreshToken);
      answer.put("refresh_token_expires_in", REFRESH_TOKEN_LIFETIME.toSeconds());
    } else {
      world.addToken(accessToken, new Grant(kind, login, 0, null, client.clientId, null));
    }
    answer.put("token_type", "bearer");
    answer.put("scope", "");
    return answer(json, answer);
  }

  private static boolean redirectMatches(
      FakeOAuthApp client, World.OAuthCode code, String redirectUri) {
    if (redirectUri == null) return true;
    if (code.redirectUri() != null && !code.redirectUri().equals(redirectUri)) return false;
    return client.callbackUrl() == null || redirectUri.startsWith(client.callbackUrl());
  }

  /**
   * The errors the token endpoint answers, as GitHub's troubleshooting page lists them: the {@code
   * error} is the lower-case name.
   */
  private enum TokenError {
    INCORRECT_CLIENT_CREDENTIALS(
        "The client_id and/or client_secret passed are incorrect.",
        "#incorrect-client-credentials"),
    BAD_VERIFICATION_CODE("The code passed is incorrect or expired.", "#bad-verification-code"),
    REDIRECT_URI_MISMATCH(
        "The redirect_uri MUST match the registered callback URL for this application.",
        "#redirect-uri-mismatch2"),
    BAD_REFRESH_TOKEN("The refresh token passed is incorrect or expired.", "#bad-refresh-token");

    final String description;
    final String anchor;

    TokenError(String description, String anchor) {
      this.description = description;
      this.anchor = anchor;
    }
  }

  private static Answer error(boolean json, TokenError error) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("error", error.name().toLowerCase(Locale.ROOT));
    answer.put("error_description", error.description);
    answer.put("error_uri", TROUBLESHOOTING + error.anchor);
    return answer(json, answer);
  }

  /** JSON when asked with {@code Accept: application/json}; else form-encoded, GitHub's default. */
  private static Answer answer(boolean json, Map<String, Object> fields) {
    if (json) return Answer.json(200, GithubCorpus.JSON.valueToTree(fields));
    StringJoiner form = new StringJoiner("&");
    fields.forEach(
        (name, value) ->
            form.add(
                name + "=" + URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8)));
    return Answer.text(200, "application/x-www-form-urlencoded; charset=utf-8", form.toString());
  }

  /** The parameters from the query, then a form or JSON body (GitHub takes either). */
  private static Map<String, String> params(RecordedCall request) {
    Map<String, String> params = new LinkedHashMap<>(FormData.decode(request.query()));
    String type = String.valueOf(request.header("Content-Type"));
    if (type.contains("json")) {
      JsonNode body = request.json();
      Iterator<Map.Entry<String, JsonNode>> fields = body.properties().iterator();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        params.put(field.getKey(), field.getValue().asText());
      }
    } else {
      params.putAll(FormData.decode(request.bodyUtf8()));
    }
    return params;
  }
}

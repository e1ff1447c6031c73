package grapple.testing.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import grapple.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeGithubOAuthTest {
  private static final GithubAppKey KEY = GithubAppKey.generate();

  private final FakeClock clock = new FakeClock(Instant.parse("2026-03-01T12:00:00Z"));
  @AutoClose private final FakeGithub github = FakeGithub.start(clock);
  private final Http http = new Http(github);

  @BeforeEach
  void seed() {
    github
        .app(1, KEY)
        .oauth("Iv1.client", "s3cret")
        .callbackUrl("https://bot.example/github/oauth");
    github.user("alice");
  }

  @Test
  void aCodeTradesForAnExpiringUserTokenAndARefreshToken() {
    String code = github.authorizeCode("alice");

    JsonNode tokens = exchange(form("code", code));

    assertThat(tokens.path("access_token").asText()).startsWith("ghu_").hasSize(40);
    assertThat(tokens.path("expires_in").asLong()).isEqualTo(28800);
    assertThat(tokens.path("refresh_token").asText()).startsWith("ghr_");
    assertThat(tokens.path("refresh_token_expires_in").asLong()).isEqualTo(15897600);
    assertThat(tokens.path("token_type").asText()).isEqualTo("bearer");
    assertThat(tokens.path("scope").asText()).isEmpty();
    assertThat(
            http.get("/user", tokens.path("access_token").asText()).json().path("login").asText())
        .isEqualTo("alice");
  }

  @Test
  void aCodeWorksOnce() {
    String code = github.authorizeCode("alice");
    exchange(form("code", code));

    JsonNode again = exchange(form("code", code));

    assertThat(again.path("error").asText()).isEqualTo("bad_verification_code");
    assertThat(again.path("error_description").asText())
        .isEqualTo("The code passed is incorrect or expired.");
  }

  @Test
  void aCodeExpiresAfterTenMinutes() {
    String code = github.authorizeCode("alice");
    clock.advance(Duration.ofMinutes(11));

    assertThat(exchange(form("code", code)).path("error").asText())
        .isEqualTo("bad_verification_code");
  }

  @Test
  void aWrongSecretIsIncorrectClientCredentials() {
    String code = github.authorizeCode("alice");

    JsonNode answer = exchange(clientForm("Iv1.client", "nope", "code", code));

    assertThat(answer.path("error").asText()).isEqualTo("incorrect_client_credentials");
  }

  @Test
  void aRedirectUriOffTheCallbackIsAMismatch() {
    JsonNode answer =
        exchange(
            form("code", github.authorizeCode("alice"), "redirect_uri", "https://evil.example/"));

    assertThat(answer.path("error").asText()).isEqualTo("redirect_uri_mismatch");
  }

  @Test
  void aRedirectUriUnderTheCallbackIsAccepted() {
    JsonNode answer =
        exchange(
            form(
                "code",
                github.authorizeCode("alice"),
                "redirect_uri",
                "https://bot.example/github/oauth?room=1"));

    assertThat(answer.has("access_token")).isTrue();
  }

  @Test
  void theUserTokenExpiresAfterEightHoursAndTheRefreshTokenRenewsIt() {
    JsonNode first = exchange(form("code", github.authorizeCode("alice")));
    clock.advance(Duration.ofHours(8));

    int expired = http.get("/user", first.path("access_token").asText()).status();
    JsonNode renewed =
        exchange(
            form(
                "grant_type",
                "refresh_token",
                "refresh_token",
                first.path("refresh_token").asText()));

    assertThat(expired).isEqualTo(401);
    assertThat(renewed.path("access_token").asText())
        .startsWith("ghu_")
        .isNotEqualTo(first.path("access_token").asText());
    assertThat(http.get("/user", renewed.path("access_token").asText()).status()).isEqualTo(200);
  }

  @Test
  void aRefreshTokenWorksOnce() {
    JsonNode first = exchange(form("code", github.authorizeCode("alice")));
    FormBody refresh =
        form("grant_type", "refresh_token", "refresh_token", first.path("refresh_token").asText());
    exchange(refresh);

    assertThat(exchange(refresh).path("error").asText()).isEqualTo("bad_refresh_token");
  }

  @Test
  void withoutAcceptJsonTheAnswerIsFormEncoded() {
    Http.Reply reply =
        Http.execute(
            new Request.Builder()
                .url(github.webUrl() + "/login/oauth/access_token")
                .post(form("code", github.authorizeCode("alice")))
                .build());

    assertThat(reply.header("Content-Type")).startsWith("application/x-www-form-urlencoded");
    assertThat(reply.body()).startsWith("access_token=ghu_").contains("&token_type=bearer");
  }

  @Test
  void aJsonBodyIsAcceptedToo() {
    String json =
        "{\"client_id\":\"Iv1.client\",\"client_secret\":\"s3cret\",\"code\":\""
            + github.authorizeCode("alice")
            + "\"}";

    Http.Reply reply =
        Http.execute(
            new Request.Builder()
                .url(github.webUrl() + "/login/oauth/access_token")
                .header("Accept", "application/json")
                .post(okhttp3.RequestBody.create(json, okhttp3.MediaType.get("application/json")))
                .build());

    assertThat(reply.json().path("access_token").asText()).startsWith("ghu_");
  }

  @Test
  void aClassicOAuthAppGivesTokensThatDoNotExpire() {
    github.oauthApp("classic", "secret2");

    JsonNode tokens =
        exchange(
            clientForm("classic", "secret2", "code", github.authorizeCode("alice", "classic")));

    assertThat(tokens.path("access_token").asText()).startsWith("gho_");
    assertThat(tokens.has("refresh_token")).isFalse();
    assertThat(tokens.has("expires_in")).isFalse();
  }

  @Test
  void authorizeCodeNeedsTheClientNamedWhenThereAreSeveral() {
    github.oauthApp("classic", "secret2");

    assertThatThrownBy(() -> github.authorizeCode("alice"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("authorizeCode(login, clientId)");
  }

  @Test
  void authorizeRedirectsTheSignedInUserWithACodeAndTheState() {
    github.signIn("alice");

    Http.Reply reply =
        Http.execute(
            new Request.Builder()
                .url(
                    HttpUrl.get(github.webUrl() + "/login/oauth/authorize")
                        .newBuilder()
                        .addQueryParameter("client_id", "Iv1.client")
                        .addQueryParameter("state", "s t")
                        .addQueryParameter("redirect_uri", "https://bot.example/github/oauth")
                        .build())
                .build());

    HttpUrl location = HttpUrl.get(reply.header("Location"));
    assertThat(reply.status()).isEqualTo(302);
    assertThat(location.host()).isEqualTo("bot.example");
    assertThat(location.queryParameter("state")).isEqualTo("s t");
    JsonNode tokens =
        exchange(
            form(
                "code",
                location.queryParameter("code"),
                "redirect_uri",
                "https://bot.example/github/oauth"));
    assertThat(tokens.has("access_token")).isTrue();
  }

  @Test
  void theExchangeIsRecordedOnItsWebPath() {
    exchange(form("code", github.authorizeCode("alice")));

    RecordedCall call = github.awaitRequestTo("POST", "/login/oauth/access_token");

    assertThat(call.bodyUtf8()).contains("client_id=Iv1.client");
  }

  /** A token request of the app Iv1.client with {@code namesAndValues} added. */
  private static FormBody form(String... namesAndValues) {
    return clientForm("Iv1.client", "s3cret", namesAndValues);
  }

  private static FormBody clientForm(String clientId, String secret, String... namesAndValues) {
    FormBody.Builder form =
        new FormBody.Builder().add("client_id", clientId).add("client_secret", secret);
    for (int i = 0; i < namesAndValues.length; i += 2)
      form.add(namesAndValues[i], namesAndValues[i + 1]);
    return form.build();
  }

  private JsonNode exchange(FormBody body) {
    Http.Reply reply =
        Http.execute(
            new Request.Builder()
                .url(github.webUrl() + "/login/oauth/access_token")
                .header("Accept", "application/json")
                .post(body)
                .build());
    assertThat(reply.status()).isEqualTo(200);
    return reply.json();
  }
}

package grapple.bot.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final Router router =
      new Router()
          .add("GET", "/webhook/{hookId}", request -> Response.ok(200))
          .add("GET", "/v1/{roomId}/connections", request -> Response.ok(200));

  @Test
  void emptySegmentsAreKeptSoADoubleSlashRoutesNowhere() {
    assertThat(Router.segments("/webhook//abc")).containsExactly("webhook", "", "abc");
    assertThat(router.match("GET", "/webhook//abc").route()).isEmpty();
    assertThat(router.match("GET", "/webhook/").route()).isEmpty();
  }

  @Test
  void parametersAreDecodedOneByOne() {
    Router.Match match = router.match("GET", "/v1/%21a%3Ab%2Fc/connections");

    assertThat(match.params()).containsEntry("roomId", "!a:b/c");
  }

  @Test
  void aMalformedEscapeInAParameterIsMalformedNotACrash() {
    assertThatThrownBy(() -> router.match("GET", "/webhook/%zz"))
        .isInstanceOf(Request.Malformed.class)
        .hasMessageContaining("malformed %-escape");
  }

  /**
   * A HEAD is served by the path's GET route unless that GET acts: the OAuth callbacks' GET uses up
   * the login's one-time state, and a link preview's HEAD did so (as a hook's GET posts).
   */
  @Test
  void aHeadIsServedAsGetExceptWhereTheGetActs() {
    Router acting =
        new Router()
            .add("GET", "/v1/{roomId}/connections", request -> Response.ok(200))
            .add("GET", "/oauth/github", request -> Response.ok(200))
            .refuseHead("/oauth/github");

    assertThat(acting.match("HEAD", "/v1/x/connections").route()).isPresent();
    Router.Match refused = acting.match("HEAD", "/oauth/github");
    assertThat(refused.route()).isEmpty();
    assertThat(refused.allowed()).containsExactly("GET");
  }

  @Test
  void aTrailingSlashIsIgnored() {
    assertThat(Router.segments("/v1/x/connections/")).isEqualTo(List.of("v1", "x", "connections"));
  }
}

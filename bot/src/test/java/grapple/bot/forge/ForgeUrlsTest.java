package grapple.bot.forge;

import static org.assertj.core.api.Assertions.assertThat;

import okhttp3.HttpUrl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ForgeUrlsTest {
  @ParameterizedTest
  @CsvSource({
    "https://git.example, https://git.example/acme/rocket, acme, rocket",
    "https://git.example, https://git.example/acme/rocket/, acme, rocket",
    "https://git.example, https://git.example/acme/rocket.git, acme, rocket",
    "https://git.example/forge, https://git.example/forge/acme/rocket, acme, rocket",
    "https://git.example, https://git.example//acme//rocket, acme, rocket",
  })
  void theTwoSegmentsAfterTheForgesOwnPathAreOwnerAndRepo(
      String base, String url, String owner, String repo) {
    assertThat(ForgeUrls.repoPath(HttpUrl.get(base), HttpUrl.get(url)))
        .isEqualTo(new ForgeUrls.RepoPath(owner, repo));
  }

  @ParameterizedTest
  @CsvSource({
    "https://git.example, https://git.example/acme",
    "https://git.example, https://git.example/acme/rocket/issues",
    "https://git.example/forge, https://git.example/acme/rocket",
    "https://git.example, https://git.example/",
  })
  void anyOtherPathIsNoRepository(String base, String url) {
    assertThat(ForgeUrls.repoPath(HttpUrl.get(base), HttpUrl.get(url))).isNull();
  }
}

package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CliArgsTest {
  private static String valueOfFirst(String... words) {
    CliArgs cli = new CliArgs(List.of(words), 0);
    return cli.value(cli.next());
  }

  @Test
  void aValueFollowsTheEqualsSignOrIsTheNextWord() {
    assertThat(valueOfFirst("--from=a.db")).isEqualTo("a.db");
    assertThat(valueOfFirst("--from", "a.db")).isEqualTo("a.db");
    assertThat(valueOfFirst("--from", "-")).as("a lone dash may be a value").isEqualTo("-");
  }

  /**
   * {@code db copy --from --to URL} took "--to" as the file to copy, then refused the URL as "needs
   * a value"; {@code api --apikey --apihost=URL m} took the host option as the key.
   */
  @Test
  void anOptionIsNoValueOfTheOptionBeforeIt() {
    assertThatThrownBy(() -> valueOfFirst("--from", "--to", "postgresql://h/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--from needs a value");
    assertThatThrownBy(() -> valueOfFirst("--apikey", "--apihost=http://h"))
        .hasMessage("--apikey needs a value");
    assertThatThrownBy(() -> valueOfFirst("--to")).hasMessage("--to needs a value");
  }
}

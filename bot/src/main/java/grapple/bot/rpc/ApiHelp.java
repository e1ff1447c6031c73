package grapple.bot.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** What {@code grapple api} prints about methods: the help and the bash completion script. */
final class ApiHelp {
  /** Names as the completion script may hold them without quoting. */
  private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_]+");

  private ApiHelp() {}

  /** The methods of {@code table}, one per line with its args and scope. */
  static String methods(List<RpcMethod> table) {
    StringBuilder out =
        new StringBuilder("Methods (`api get_methods` lists the bot's own, services' too):\n");
    for (RpcMethod m : table) {
      List<String> args = new ArrayList<>();
      m.args().forEach(a -> args.add(a.signature()));
      out.append("  ")
          .append(m.name())
          .append("(")
          .append(String.join(", ", args))
          .append(")")
          .append(m.scope() == null ? "" : "  [scope " + m.scope() + "]")
          .append("\n      ")
          .append(m.summary())
          .append("\n");
    }
    return out.toString();
  }

  /**
   * A bash completion script for {@code grapple} (and {@code grapple.jar}): after {@code api}, the
   * options, {@code _create_config}, {@code _completion} and the method names of {@code methods}
   * ({@code get_methods}' answer), then each method's {@code name:} args.
   */
  static String bashCompletion(JsonNode methods) {
    List<String> names = new ArrayList<>();
    StringBuilder cases = new StringBuilder();
    for (JsonNode m : methods) {
      String name = m.path("name").asText();
      if (!WORD.matcher(name).matches()) continue;
      names.add(name);
      List<String> args = new ArrayList<>();
      for (Map.Entry<String, JsonNode> arg : m.path("args").properties()) {
        if (WORD.matcher(arg.getKey()).matches()) args.add(arg.getKey() + ":");
      }
      cases
          .append("    ")
          .append(name)
          .append(") args=\"")
          .append(String.join(" ", args))
          .append("\" ;;\n");
    }
    return """
        # bash completion for `grapple api` (Grapple's JSON-RPC client).
        # Load it with: eval "$(java -jar grapple.jar api _completion bash)"
        # It completes `grapple api ...` where `grapple` runs `java -jar grapple.jar "$@"`.
        _grapple_api() {
          # Bash splits COMP_WORDS at = and : too (COMP_WORDBREAKS): --apikey=KEY is three words,
          # roomid:!a:b five. Which words came before is read from the line as typed instead.
          local cur="${COMP_WORDS[COMP_CWORD]}" line="${COMP_LINE:0:COMP_POINT}" word="" i
          local api=0 method="" args="" value_of="" words=() n
          read -ra words <<< "$line"
          n=${#words[@]}
          if [[ $line != *[[:space:]] && $n -gt 0 ]]; then
            ((n--))
            word="${words[n]}"
          fi
          for ((i = 1; i < n; i++)); do
            if [[ $api == 0 ]]; then
              [[ ${words[i]} == api ]] && api=1
              continue
            fi
            case "${words[i]}" in
              --apikey|--apihost|--format)
                if ((i + 1 == n)); then value_of="${words[i]}"; fi
                ((i++)) ;;
              -*) ;;
              *) if [[ -z $method ]]; then method="${words[i]}"; fi ;;
            esac
          done
          if [[ $api == 0 ]]; then
            COMPREPLY=($(compgen -W "api" -- "$cur"))
            return
          fi
          [[ $word == --format=* ]] && value_of=--format
          [[ $word == --apikey=* || $word == --apihost=* ]] && value_of=--apikey
          if [[ -n $value_of ]]; then
            [[ $value_of == --format ]] && COMPREPLY=($(compgen -W "json text" -- "$cur"))
            return # A key or a URL is the user's to type.
          fi
          if [[ $word == *:* ]]; then
            return # An arg's value.
          fi
          if [[ $word == -* ]]; then
            COMPREPLY=($(compgen -W "--apikey= --apihost= --format=json --format=text --help" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return
          fi
          if [[ -z $method ]]; then
            COMPREPLY=($(compgen -W "_create_config _completion %s" -- "$cur"))
            return
          fi
          case "$method" in
        %s    *) args="" ;;
          esac
          COMPREPLY=($(compgen -W "$args" -- "$cur"))
          compopt -o nospace 2>/dev/null
        }
        complete -F _grapple_api grapple
        """
        .formatted(String.join(" ", names), cases);
  }
}

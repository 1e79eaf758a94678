package dev.pooly.distribution;

import dev.pooly.cli.Pooly;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Build step, not shipped: writes the man pages (AsciiDoc, which the build turns into troff) and the
 * bash/zsh completion script from the picocli model of {@code pooly}, so that neither is written by
 * hand nor drifts from the commands. Run by the distribution module's build:
 * {@code GenerateDocs OUTPUT_DIR} makes {@code OUTPUT_DIR/adoc/pooly*.adoc} and
 * {@code OUTPUT_DIR/completion/pooly}.
 *
 * <p>Thread-safety: a single-threaded program, run once per build; an interrupted or failed run
 * leaves partial output that the next build overwrites.
 */
public final class GenerateDocs {
    private GenerateDocs() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: GenerateDocs OUTPUT_DIR");
        Path out = Path.of(args[0]);
        CommandLine pooly = Pooly.commandLine(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());

        Path adoc = Files.createDirectories(out.resolve("adoc"));
        // One page per command (pooly.1, pooly-call.1, ...), subcommands included; no templates.
        int status = ManPageGenerator.generateManPage(adoc.toFile(), null, new boolean[0], true, pooly.getCommandSpec());
        if (status != 0) throw new IllegalStateException("ManPageGenerator failed with status " + status);

        Path completion = Files.createDirectories(out.resolve("completion"));
        // picocli's script serves bash, and zsh through bashcompinit.
        Files.writeString(completion.resolve("pooly"), withDaemonNames(AutoComplete.bash("pooly", pooly)), StandardCharsets.UTF_8);
    }

    /** Which names a command's first positional argument completes to, asked of the running daemon. */
    private static final Map<String, String> FIRST_ARGUMENT = Map.of(
            "call", "pools", "checkout", "pools", "scale", "pools", "status", "pools",
            "start", "nodes", "stop", "nodes", "restart", "nodes", "kill", "nodes", "logs", "nodes");

    /**
     * picocli's script completes options and subcommands from the model; pool names and node ids
     * exist only in a running daemon. Each command of {@link #FIRST_ARGUMENT} gets, at its first
     * positional argument, the names {@code pooly status --names} prints, asking the daemon the
     * command line's {@code -c}/{@code -s} name, with nothing (and no message) when none answers in time.
     * The build fails if picocli's script no longer has the line this hooks into.
     */
    static String withDaemonNames(String script) {
        String anchor = "    local positionals=\"\"\n";
        StringBuilder out = new StringBuilder(script);
        for (Map.Entry<String, String> e : FIRST_ARGUMENT.entrySet()) {
            String command = e.getKey();
            int function = out.indexOf("function _picocli_pooly_" + command + "() {\n");
            int at = function < 0 ? -1 : out.indexOf(anchor, function);
            int end = function < 0 ? -1 : out.indexOf("\n}\n", function);
            if (at < 0 || at > end) throw new IllegalStateException("picocli's completion of '" + command + "' has no '" + anchor.strip() + "' line to hook into");
            out.insert(at + anchor.length(), "    positionals=$(_pooly_daemon_names " + e.getValue() + " " + command + " \"${arg_opts}\")\n");
        }
        out.append("""

                # When the word being completed is the first argument of COMMAND (arg 2; arg 3 are the options
                # that take a value), the pool names (pools) or node ids (nodes) of the daemon the command line
                # names with -c or -s (else POOLY_SOCKET, else ./pooly.sock), one per line; nothing when no
                # daemon answers within POOLY_COMPLETION_TIMEOUT (default 2) seconds. bash splits --config=FILE into three words at the '='.
                function _pooly_daemon_names() {
                  local i=0 word positional=0 args=(--names "$1") pooly=${COMP_WORDS[0]}
                  while ((i < COMP_CWORD)) && [[ ${COMP_WORDS[i]} != "$2" ]]; do ((i++)); done
                  for ((i++; i < COMP_CWORD; i++)); do
                    word=${COMP_WORDS[i]}
                    if [[ " $3 " == *" ${word} "* ]]; then
                      [[ ${COMP_WORDS[i+1]} == = ]] && ((i++))
                      case ${word} in
                        -c|--config|-s|--socket) args+=("${word}" "${COMP_WORDS[i+1]/#\\~/$HOME}") ;;
                      esac
                      ((i++))
                    elif [[ ${word} == --config=* || ${word} == --socket=* ]]; then
                      args+=("${word}")
                    elif [[ ${word} != -* ]]; then
                      ((positional++))
                    fi
                  done
                  ((positional == 0)) || return 0
                  [[ ${pooly} == */* ]] && pooly=${pooly/#\\~/$HOME}
                  timeout "${POOLY_COMPLETION_TIMEOUT:-2}" "${pooly}" status "${args[@]}" 2>/dev/null
                }
                """);
        return out.toString();
    }
}

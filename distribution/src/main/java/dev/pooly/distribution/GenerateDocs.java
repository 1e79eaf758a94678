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
        Files.writeString(completion.resolve("pooly"), AutoComplete.bash("pooly", pooly), StandardCharsets.UTF_8);
    }
}

package dev.pooly.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Keeps {@code pooly.schema.json}, which editors use, in step with what {@link ConfigLoader}
 * accepts: the same keys in every mapping, and the same verdict on every sample file.
 */
class PoolySchemaTest {

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final JsonSchema SCHEMA = FACTORY.getSchema(ConfigLoader.jsonSchema());
    // An invalid sample names the problem the loader reports and where the schema objects.
    private static final Pattern EXPECT = Pattern.compile("# expect: (\\d+):(\\d+): (.*)");
    private static final Pattern SCHEMA_ERROR = Pattern.compile("# schema: (.*)");

    @Test
    void theSchemaIsAValidDraft2020Schema() throws Exception {
        JsonSchema metaSchema = FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

        assertThat(metaSchema.validate(ConfigLoader.jsonSchema(), InputFormat.JSON)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(ConfigSection.class)
    void eachMappingOfTheSchemaHasExactlyTheKeysTheLoaderAccepts(ConfigSection section) throws IOException {
        JsonNode mapping = schemaTree().at(pointer(section));

        assertThat(mapping.path("properties").properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactlyElementsOf(section.keys());
        // Unknown keys are errors for the loader, so they must be for editors too.
        assertThat(mapping.path("additionalProperties").isBoolean() && !mapping.path("additionalProperties").asBoolean())
                .as("%s forbids additional properties", pointer(section)).isTrue();
    }

    @Test
    void theSchemaOffersTheSameChoicesAsTheModelsEnums() throws IOException {
        JsonNode schema = schemaTree();

        assertThat(schema.at("/$defs/supervisor/properties/strategy/enum")).extracting(JsonNode::asText)
                .containsExactly(Stream.of(SupervisorStrategy.values()).map(SupervisorStrategy::configName).toArray(String[]::new));
        assertThat(schema.at("/$defs/process/properties/restart/enum")).extracting(JsonNode::asText)
                .containsExactly(Stream.of(RestartType.values()).map(RestartType::configName).toArray(String[]::new));
        assertThat(schema.at("/$defs/pool/properties/strategy/enum")).extracting(JsonNode::asText)
                .containsExactly(Stream.of(PoolStrategy.values()).map(PoolStrategy::configName).toArray(String[]::new));
        assertThat(schema.at("/$defs/pool/properties/on_abandon/enum")).extracting(JsonNode::asText)
                .containsExactly(Stream.of(OnAbandon.values()).map(OnAbandon::configName).toArray(String[]::new));
    }

    @ParameterizedTest(name = "checkout_timeout: \"{0}\"")
    @ValueSource(strings = {"0s", "250ms", "5s", "2m", "1h", "007s", "5", "5 s", "5sec", "1.5s", "-1s", "5S", "1d", "ms", ""})
    void theSchemaAndTheLoaderAgreeOnWhatIsADuration(String duration) {
        String yaml = "version: 1\nsupervisor:\n  children:\n    - pool: {name: p, command: [cat], checkout_timeout: \""
                + duration + "\"}\n";

        assertThat(SCHEMA.validate(yaml, InputFormat.YAML).isEmpty()).isEqualTo(loads(yaml));
    }

    @ParameterizedTest(name = "max_bytes: {0}")
    @ValueSource(strings = {"512", "1", "\"64KB\"", "\"10MB\"", "\"1GB\"", "\"512\"", "0", "-1", "\"0KB\"", "\"10mb\"",
            "\"10 MB\"", "\"1TB\"", "\"1.5MB\"", "\"KB\"", "1.5"})
    void theSchemaAndTheLoaderAgreeOnWhatIsASize(String size) {
        String yaml = "version: 1\nlogs: {max_bytes: " + size + "}\nsupervisor: {}\n";

        assertThat(SCHEMA.validate(yaml, InputFormat.YAML).isEmpty()).isEqualTo(loads(yaml));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validSamples")
    void aValidSampleLoadsAndPassesTheSchema(Path sample) throws Exception {
        String yaml = Files.readString(sample);

        assertThat(ConfigLoader.load(yaml, sample.toString()).version()).isEqualTo(1);
        assertThat(SCHEMA.validate(yaml, InputFormat.YAML)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSamples")
    void anInvalidSampleFailsBothTheLoaderWithTheProblemItExpectsAndTheSchema(Path sample) throws Exception {
        String yaml = Files.readString(sample);
        Matcher expect = EXPECT.matcher(yaml.lines().findFirst().orElse(""));
        assertThat(expect.matches()).as("%s starts with '# expect: LINE:COLUMN: message'", sample).isTrue();
        Matcher schemaError = SCHEMA_ERROR.matcher(yaml.lines().reduce((first, last) -> last).orElse(""));
        assertThat(schemaError.matches()).as("%s ends with '# schema: INSTANCE-PATH'", sample).isTrue();

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(yaml, "sample.yaml"));
        Set<ValidationMessage> schemaErrors = SCHEMA.validate(yaml, InputFormat.YAML);

        assertThat(e).as("the loader rejects %s", sample).isNotNull();
        assertThat(e.problems()).contains(new ConfigProblem("sample.yaml", Integer.parseInt(expect.group(1)),
                Integer.parseInt(expect.group(2)), expect.group(3)));
        assertThat(schemaErrors).as("the schema rejects %s", sample)
                .extracting(message -> message.getInstanceLocation().toString())
                .contains(schemaError.group(1));
    }

    private static boolean loads(String yaml) {
        try {
            ConfigLoader.load(yaml, "pooly.yaml");
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    static Stream<Named<Path>> validSamples() throws Exception {
        return samples("valid");
    }

    static Stream<Named<Path>> invalidSamples() throws Exception {
        return samples("invalid");
    }

    private static Stream<Named<Path>> samples(String kind) throws IOException, URISyntaxException {
        Path dir = Path.of(PoolySchemaTest.class.getResource("samples/" + kind).toURI());
        List<Path> files = new ArrayList<>();
        try (Stream<Path> listing = Files.list(dir)) {
            listing.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
        }
        assertThat(files).as("samples in %s", dir).isNotEmpty();
        return files.stream().map(file -> Named.of(kind + "/" + file.getFileName(), file));
    }

    /** Where each section's mapping is described in the schema. */
    private static String pointer(ConfigSection section) {
        return switch (section) {
            case TOP_LEVEL -> "";
            case CONTROL -> "/properties/control";
            case LOGS -> "/properties/logs";
            case LOG -> "/properties/log";
            case METRICS -> "/properties/metrics";
            case HTTP -> "/properties/http";
            case DAEMON_SHUTDOWN -> "/properties/shutdown";
            case SUPERVISOR -> "/$defs/supervisor";
            case CHILD -> "/$defs/child";
            case PROCESS -> "/$defs/process";
            case POOL -> "/$defs/pool";
            case FRAMING -> "/$defs/framing";
            case READY -> "/$defs/ready";
            case BACKOFF -> "/$defs/backoff";
            case POOL_HEALTH -> "/$defs/poolHealth";
            case PROCESS_HEALTH -> "/$defs/processHealth";
        };
    }

    private static JsonNode schemaTree() throws IOException {
        return new ObjectMapper().readTree(ConfigLoader.jsonSchema());
    }
}

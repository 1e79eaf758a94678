/**
 * The pooly.yaml model and its loader: the API package only.
 *
 * <p>{@code dev.pooly.config.internal} (the YAML tree parser and the section readers) is not exported. Nothing
 * is opened: the loader walks Jackson's streaming parser and builds the records itself, so no
 * library reflects on these classes. {@code pooly.schema.json} is read through
 * {@code ConfigLoader.jsonSchema()}.
 */
module dev.pooly.config {
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.dataformat.yaml;
    // YAMLParser reports positions through SnakeYAML's Mark.
    requires org.yaml.snakeyaml;

    exports dev.pooly.config;
}

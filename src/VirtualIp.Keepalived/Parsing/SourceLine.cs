namespace VirtualIp.Keepalived.Parsing;

/// <summary>One line after preprocessing (comment removed, definitions expanded), with where it came from.</summary>
internal readonly record struct SourceLine(string File, int Number, string Text);

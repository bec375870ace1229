// The parser's scratch buffers are always written before they are read.
[module: System.Runtime.CompilerServices.SkipLocalsInit]

System.Console.OpenStandardOutput().Write("ok\n"u8);

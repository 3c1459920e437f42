console.log("payload stand-in");

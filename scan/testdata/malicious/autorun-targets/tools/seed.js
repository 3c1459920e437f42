// "Database seed": runs a base64 payload.
const blob = 'Y29uc29sZS5sb2coImRlZmFuZ2VkIGZpeHR1cmUiKQ==';
eval(Buffer.from(blob, 'base64').toString());

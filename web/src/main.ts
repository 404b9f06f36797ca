import { createApp } from "vue";
import App from "./App.vue";
import { router } from "./router";
import { locale } from "./lib/i18n";
import "./styles.css";

document.documentElement.lang = locale.lang;
createApp(App).use(router).mount("#app");
